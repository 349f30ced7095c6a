// A FIT-Connect subscriber (Fachverfahren) written with the npm package `jose` - another
// JOSE implementation than the platform's (jwcrypto). Used by tests/fitconnect/test_node_subscriber.py.
//
// Environment: FC_BASE (e.g. http://127.0.0.1:1234/fit-connect; else FC_BASE_ORIGIN + /fit-connect), FC_CLIENT_ID,
// FC_CLIENT_SECRET, FC_DESTINATION_ID, FC_DECRYPTION_JWK and FC_SIGNING_JWK (private JWKs,
// JSON). It picks up every submission of the destination, verifies the platform's event
// tokens, decrypts metadata, data and attachments, checks their SHA-512 hashes against the
// metadata and posts an accept event (SET, PS512). Prints a JSON report on stdout.
import { createHash, randomUUID } from "node:crypto";
import * as jose from "jose";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = process.env.FC_BASE || `${env("FC_BASE_ORIGIN")}/fit-connect`;
const destinationId = env("FC_DESTINATION_ID");
const decryptionKey = await jose.importJWK(JSON.parse(env("FC_DECRYPTION_JWK")), "RSA-OAEP-256");
const signingJwk = JSON.parse(env("FC_SIGNING_JWK"));
const signingKey = await jose.importJWK(signingJwk, "PS512");
const decoder = new TextDecoder();

async function call(path, options = {}, token) {
  const response = await fetch(base + path, {
    ...options,
    headers: { ...(options.headers || {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
  });
  if (!response.ok) {
    throw new Error(`${options.method || "GET"} ${path}: ${response.status} ${await response.text()}`);
  }
  return response;
}

const tokenResponse = await call("/token", {
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({
    grant_type: "client_credentials",
    client_id: env("FC_CLIENT_ID"),
    client_secret: env("FC_CLIENT_SECRET"),
  }),
});
const token = (await tokenResponse.json()).access_token;
const platformKeys = jose.createLocalJWKSet(await (await call("/.well-known/jwks.json")).json());

const sha512 = (bytes) => createHash("sha512").update(bytes).digest("hex");
const decrypt = async (compact) => {
  const { plaintext, protectedHeader } = await jose.compactDecrypt(compact, decryptionKey);
  if (protectedHeader.alg !== "RSA-OAEP-256" || protectedHeader.enc !== "A256GCM") {
    throw new Error(`unexpected JWE header ${JSON.stringify(protectedHeader)}`);
  }
  return plaintext;
};

const report = [];
const list = await (await call(`/v1/submissions?destinationId=${destinationId}`, {}, token)).json();
for (const item of list.submissions) {
  const submission = await (await call(`/v1/submissions/${item.submissionId}`, {}, token)).json();

  // The platform's event log: every SET verified against the platform's published key.
  const log = (await (await call(`/v1/cases/${item.caseId}/events`, {}, token)).json()).eventLog;
  const platformEvents = [];
  for (const set of log) {
    const { payload, protectedHeader } = await jose.compactVerify(set, platformKeys, {
      algorithms: ["PS512"],
    });
    if (protectedHeader.typ !== "secevent+jwt") throw new Error("event is not a SET");
    platformEvents.push(...Object.keys(JSON.parse(decoder.decode(payload)).events));
  }

  const metadata = JSON.parse(decoder.decode(await decrypt(submission.encryptedMetadata)));
  const data = await decrypt(submission.encryptedData);
  const expected = metadata.contentStructure.data.hash.content;
  if (sha512(data) !== expected) throw new Error("data hash differs from the metadata");

  // The data schema the metadata names (the platform publishes its forms' schemas): the
  // data's top-level names must be properties of it.
  let schemaTitle = null;
  const schemaUri = metadata.contentStructure.data.submissionSchema?.schemaUri;
  if (schemaUri && schemaUri.includes("/fit-connect/schemas/")) {
    const path = new URL(schemaUri).pathname.replace(/^\/fit-connect/, "");
    // The schema lives with the sender (FC_SCHEMA_ORIGIN, else the platform at FC_BASE_ORIGIN,
    // else the Zustelldienst's host).
    const origin = process.env.FC_SCHEMA_ORIGIN || process.env.FC_BASE_ORIGIN || new URL(base).origin;
    const fetched = await fetch(`${origin}/fit-connect${path}`);
    if (!fetched.ok) throw new Error(`GET schema ${path}: ${fetched.status}`);
    const schema = await fetched.json();
    const unknown = Object.keys(JSON.parse(decoder.decode(data))).filter((k) => !(k in schema.properties));
    if (unknown.length) throw new Error(`data not in its schema: ${unknown.join(", ")}`);
    schemaTitle = schema.title;
  }

  const tags = {
    metadata: submission.encryptedMetadata.split(".")[4],
    data: submission.encryptedData.split(".")[4],
    attachments: {},
  };
  const attachments = {};
  for (const announced of metadata.contentStructure.attachments) {
    const id = announced.attachmentId;
    const compact = (await (await call(`/v1/submissions/${item.submissionId}/attachments/${id}`, {}, token)).text()).trim();
    const plaintext = await decrypt(compact);
    if (sha512(plaintext) !== announced.hash.content) throw new Error(`attachment ${id}: hash differs`);
    tags.attachments[id] = compact.split(".")[4];
    attachments[id] = sha512(plaintext);
  }
  if (Object.keys(tags.attachments).length === 0) delete tags.attachments;

  const accept = await new jose.CompactSign(
    new TextEncoder().encode(
      JSON.stringify({
        $schema: "https://schema.fitko.de/fit-connect/set-payload/1.2.0/set-payload.schema.json",
        jti: randomUUID(),
        iss: destinationId,
        iat: Math.floor(Date.now() / 1000),
        sub: `submission:${item.submissionId}`,
        txn: `case:${item.caseId}`,
        events: { "https://schema.fitko.de/fit-connect/events/accept-submission": { authenticationTags: tags } },
      }),
    ),
  )
    .setProtectedHeader({ alg: "PS512", typ: "secevent+jwt", kid: signingJwk.kid })
    .sign(signingKey);
  await call(`/v1/cases/${item.caseId}/events`, {
    method: "POST",
    headers: { "Content-Type": "application/jose" },
    body: accept,
  }, token);

  report.push({
    submissionId: item.submissionId,
    data: JSON.parse(decoder.decode(data)),
    attachments,
    platformEvents,
    schemaTitle,
    reference: metadata.additionalReferenceInfo?.senderReference ?? null,
    service: metadata.publicServiceType?.identifier ?? null,
  });
}
process.stdout.write(JSON.stringify({ totalCount: list.totalCount, accepted: report }));
