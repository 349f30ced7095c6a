// A FIT-Connect sender (online service) written with the npm package `jose` - another JOSE
// implementation than the platform's (jwcrypto), using only the public HTTP API. Used by
// tests/fitconnect/test_node_sender.py together with subscriber.mjs.
//
// Environment: FC_BASE_ORIGIN (the platform; the API is under /fit-connect), FC_CLIENT_ID,
// FC_CLIENT_SECRET, FC_DESTINATION_ID, FC_DATA (the data, JSON text), optional
// FC_ATTACHMENT_B64 (one PDF attachment, base64), FC_REPLY_EMAIL, FC_SCHEMA_URI (else the
// destination's first submission schema), FC_OVERSIZE (bytes of an attachment that is too
// large), FC_FOREIGN_DESTINATION_ID (a destination this client may not send to) and FC_MODE ("send", default, or "status" with
// FC_CASE_ID: read and verify the case's event log).
//
// "send" first tries what a careless or hostile sender might do and records the answers (each
// must be an RFC 7807 problem), then sends properly: announce, upload the encrypted
// attachment, submit encrypted metadata and data, and submit once more. Prints a JSON report.
import { createHash, randomUUID } from "node:crypto";
import * as jose from "jose";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = `${env("FC_BASE_ORIGIN")}/fit-connect`;
const destinationId = env("FC_DESTINATION_ID");
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sha512 = (bytes) => createHash("sha512").update(bytes).digest("hex");

async function request(path, { method = "GET", token, type, body } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (type) headers["Content-Type"] = type;
  return fetch(base + path, { method, headers, body });
}

async function ok(path, options, expected) {
  const response = await request(path, options);
  if (response.status !== expected) {
    throw new Error(`${options?.method || "GET"} ${path}: ${response.status} ${await response.text()}`);
  }
  return response;
}

// What a problem answer looks like: status, content type and FIT-Connect problem type.
async function problem(response) {
  const type = response.headers.get("content-type") || "";
  const body = type.startsWith("application/problem+json") ? await response.json() : null;
  return { status: response.status, contentType: type.split(";")[0], type: body?.type ?? null, title: body?.title ?? null };
}

const tokenResponse = await ok(
  "/token",
  {
    method: "POST",
    type: "application/x-www-form-urlencoded",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: env("FC_CLIENT_ID"),
      client_secret: env("FC_CLIENT_SECRET"),
    }).toString(),
  },
  200,
);
const token = (await tokenResponse.json()).access_token;

if ((process.env.FC_MODE || "send") === "status") {
  // The sender reads its case's event log and verifies every SET: the platform's against
  // its published JWKS, the destination's (accept/reject) against the destination's key.
  const platformKeys = jose.createLocalJWKSet(await (await ok("/.well-known/jwks.json", {}, 200)).json());
  const log = (await (await ok(`/v1/cases/${env("FC_CASE_ID")}/events`, { token }, 200)).json()).eventLog;
  const events = [];
  for (const set of log) {
    const header = jose.decodeProtectedHeader(set);
    if (header.typ !== "secevent+jwt" || header.alg !== "PS512") throw new Error("not a PS512 SET");
    const claims = jose.decodeJwt(set);
    let key = platformKeys;
    if (claims.iss === destinationId) {
      const jwk = await (await ok(`/v1/destinations/${destinationId}/keys/${header.kid}`, {}, 200)).json();
      if (!jwk.key_ops?.includes("verify")) throw new Error("destination key is not for verify");
      key = await jose.importJWK({ ...jwk, key_ops: undefined }, "PS512");
    }
    const { payload } = await jose.compactVerify(set, key, { algorithms: ["PS512"] });
    const parsed = JSON.parse(decoder.decode(payload));
    for (const [name, content] of Object.entries(parsed.events)) {
      events.push({ name, issuer: parsed.iss === destinationId ? "destination" : "platform", content });
    }
  }
  process.stdout.write(JSON.stringify({ events }));
  process.exit(0);
}

// The destination and its encryption key, checked as FIT-Connect asks senders to.
const destination = await (await ok(`/v1/destinations/${destinationId}`, {}, 200)).json();
if (destination.status !== "active") throw new Error(`destination ${destination.status}`);
const service = destination.services[0];
const publicJwk = await (await ok(`/v1/destinations/${destinationId}/keys/${destination.encryptionKid}`, {}, 200)).json();
if (publicJwk.kty !== "RSA" || publicJwk.alg !== "RSA-OAEP-256") throw new Error("not an RSA-OAEP-256 key");
if (JSON.stringify(publicJwk.key_ops) !== JSON.stringify(["wrapKey"])) throw new Error("key_ops is not [wrapKey]");
if (Buffer.from(publicJwk.n, "base64url").length * 8 < 4096) throw new Error("key shorter than 4096 bit");
// WebCrypto (and so `jose`) wraps the content key with subtle.encrypt: import without
// key_ops, which were checked above (FITKO's Python SDK rewrites them in the same way).
const encryptionKey = await jose.importJWK({ ...publicJwk, key_ops: undefined }, "RSA-OAEP-256");
const encrypt = (bytes, cty) =>
  new jose.CompactEncrypt(bytes)
    .setProtectedHeader({ alg: "RSA-OAEP-256", enc: "A256GCM", kid: publicJwk.kid, cty })
    .encrypt(encryptionKey);

const data = encoder.encode(env("FC_DATA"));
const attachment = process.env.FC_ATTACHMENT_B64 ? Buffer.from(process.env.FC_ATTACHMENT_B64, "base64") : null;
const attachmentId = attachment ? randomUUID() : null;
const schemaUri = process.env.FC_SCHEMA_URI || service.submissionSchemas?.[0]?.schemaUri;
if (!schemaUri) throw new Error("no submission schema");
const metadata = {
  $schema: "https://schema.fitko.de/fit-connect/metadata/1.2.0/metadata.schema.json",
  contentStructure: {
    data: {
      hash: { type: "sha512", content: sha512(data) },
      submissionSchema: { schemaUri, mimeType: "application/json" },
    },
    attachments: attachment
      ? [{ attachmentId, hash: { type: "sha512", content: sha512(attachment) }, purpose: "attachment", mimeType: "application/pdf", filename: "nachweis.pdf" }]
      : [],
  },
  publicServiceType: { identifier: service.identifier, name: "Demo-Leistung (Node-Sender)" },
  additionalReferenceInfo: { senderReference: `NODE-${randomUUID().slice(0, 8)}`, applicationDate: new Date().toISOString().slice(0, 10) },
};
if (process.env.FC_REPLY_EMAIL) metadata.replyChannel = { eMail: { address: process.env.FC_REPLY_EMAIL } };

const problems = {};
const announce = (destination) =>
  request("/v1/submissions", {
    method: "POST",
    token,
    type: "application/json",
    body: JSON.stringify({
      destinationId: destination,
      serviceType: { identifier: service.identifier, name: "Demo-Leistung (Node-Sender)" },
      announcedAttachments: attachment ? [attachmentId] : [],
    }),
  });

// Bad input, before anything proper is sent.
problems.noToken = await problem(await request("/v1/submissions", { method: "POST", type: "application/json", body: "{}" }));
if (process.env.FC_FOREIGN_DESTINATION_ID) {
  problems.foreignDestination = await problem(await announce(process.env.FC_FOREIGN_DESTINATION_ID));
}
problems.unknownDestination = await problem(await announce(randomUUID()));

const created = await announce(destinationId);
if (created.status !== 201) throw new Error(`announce: ${created.status} ${await created.text()}`);
const { submissionId, caseId } = await created.json();
const putAttachment = (id, body, type = "application/jose") =>
  request(`/v1/submissions/${submissionId}/attachments/${id}`, { method: "PUT", token, type, body });
const submit = async () =>
  request(`/v1/submissions/${submissionId}`, {
    method: "PUT",
    token,
    type: "application/json",
    body: JSON.stringify({
      encryptedMetadata: await encrypt(encoder.encode(JSON.stringify(metadata)), "application/json"),
      encryptedData: await encrypt(data, "application/json"),
    }),
  });

problems.unannouncedAttachment = await problem(await putAttachment(randomUUID(), await encrypt(encoder.encode("x"), "text/plain")));
if (attachment) {
  const sealed = await encrypt(attachment, "application/pdf");
  // Tampered: the wrapped content key cut short (what the platform can see without the key).
  const parts = sealed.split(".");
  parts[1] = parts[1].slice(0, 100);
  problems.tamperedCiphertext = await problem(await putAttachment(attachmentId, parts.join(".")));
  problems.wrongMediaType = await problem(await putAttachment(attachmentId, sealed, "application/json"));
  if (process.env.FC_OVERSIZE) {
    problems.oversizedAttachment = await problem(await putAttachment(attachmentId, "A".repeat(Number(process.env.FC_OVERSIZE))));
  }
  problems.missingAttachment = await problem(await submit());
  const uploaded = await putAttachment(attachmentId, sealed);
  if (uploaded.status !== 204) throw new Error(`attachment: ${uploaded.status} ${await uploaded.text()}`);
}
const submitted = await submit();
if (submitted.status !== 202) throw new Error(`submit: ${submitted.status} ${await submitted.text()}`);
problems.submitTwice = await problem(await submit());

process.stdout.write(
  JSON.stringify({
    submissionId,
    caseId,
    sent: { dataSha512: sha512(data), attachmentId, attachmentSha512: attachment ? sha512(attachment) : null },
    problems,
  }),
);
