// Writes UBL invoices with the independent library @e-invoice-eu/core (npm, a dev dependency
// in package.json). Reads one request per line on stdin, {"format": "XRECHNUNG-UBL" | "UBL",
// "invoice": <the invoice in E-Invoice-EU's JSON format>}, and answers each with one line
// {"xml": "..."} or {"error": "..."} on stdout. One process serves all samples of a test run
// (loading the library takes about a second). Used by tests/procurement/einvoice_samples.py;
// nothing of the platform's code is involved.
"use strict";
const readline = require("node:readline");
const { InvoiceService } = require("@e-invoice-eu/core");

const warnings = [];
const logger = {
  log: () => {},
  warn: (message) => warnings.push(String(message)),
  error: (message) => warnings.push(String(message)),
};
const service = new InvoiceService(logger);

async function answer(line) {
  try {
    const request = JSON.parse(line);
    const xml = await service.generate(request.invoice, { format: request.format, lang: "de-de" });
    return { xml: String(xml), warnings: warnings.splice(0) };
  } catch (error) {
    return { error: String(error && error.stack ? error.stack : error), warnings: warnings.splice(0) };
  }
}

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
let queue = Promise.resolve();
input.on("line", (line) => {
  if (!line.trim()) return;
  queue = queue.then(async () => {
    process.stdout.write(`${JSON.stringify(await answer(line))}\n`);
  });
});
