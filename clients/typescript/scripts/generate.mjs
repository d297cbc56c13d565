// Generates src/openapi.ts, the types of every path, operation and schema of the HTTP API, from
// docs/openapi.json with openapi-typescript. `--check` writes nothing and fails when the committed
// file is not what the document generates (scripts/test-sdk runs it).
//
// The document's operationIds are unique per service, not across the API (every service has its
// `create` and `show`), so they are left out here: each operation's types are then written inline
// under its path and method, which is how the client names them anyway.
import openapiTS, { astToString } from "openapi-typescript";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DOCUMENT = new URL("../../../docs/openapi.json", import.meta.url);
const OUTPUT = new URL("../src/openapi.ts", import.meta.url);
const HEADER = `// Generated from docs/openapi.json by scripts/generate.mjs (openapi-typescript); do not edit.
// Regenerate after the document changes: \`npm run generate\` in clients/typescript.

`;

const doc = JSON.parse(readFileSync(DOCUMENT, "utf8"));
for (const item of Object.values(doc.paths)) {
  for (const operation of Object.values(item)) {
    if (operation && typeof operation === "object") delete operation.operationId;
  }
}
const fresh = HEADER + astToString(await openapiTS(doc));

if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(OUTPUT, "utf8");
  } catch {
    /* missing: stale */
  }
  if (committed !== fresh) {
    console.error(
      `${fileURLToPath(OUTPUT)} is stale against docs/openapi.json: regenerate it with ` +
        "`npm run generate` in clients/typescript (then scripts/build-sdk) and commit it",
    );
    process.exit(1);
  }
  console.log("clients/typescript/src/openapi.ts is current with docs/openapi.json");
} else {
  writeFileSync(OUTPUT, fresh);
}
