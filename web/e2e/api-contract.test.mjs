// The web client's API module (web/js/api.js) against the API document (docs/openapi.json): every
// call it makes is an operation the document has, and every field its JSDoc types declare for an
// HTTP answer is a property of that answer's schema. So the client can never read a field, or call
// an endpoint, that the server does not document. No server or browser needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);
const source = readFileSync(new URL("web/js/api.js", root), "utf8");
const doc = JSON.parse(readFileSync(new URL("docs/openapi.json", root), "utf8"));

/** The client's type → the schema of the answer it describes (docs/openapi.json components). */
const SCHEMA_OF = {
  User: "User",
  Session: "Session",
  Profile: "Profile",
  MatchRecord: "MatchSummary",
  Board: "Board",
  BoardEntry: "LeaderboardRow",
  Balance: "Balance",
  StoreItem: "StoreItem",
  InventoryItem: "OwnedItem",
  Purchase: "Purchase",
  Ticket: "Ticket",
  // Creating or reading a lobby answers Lobby, joining one by code LobbyJoined.
  LobbySeat: ["LobbyJoined", "Lobby"],
  Group: "GroupView",
  GroupMember: "Member",
  BattlePlayer: "BattlePlayer",
  Battle: "Battle",
};
/** Types that are not HTTP answers: the SSE feed's event (docs/PROTOCOL.md). */
const NOT_HTTP = new Set(["BoardTop"]);
/** Fields the client computes itself rather than reads. */
const LOCAL_FIELDS = { Session: ["expires_at"] };

/** The `@typedef`s of the file's doc comments: name → declared fields, `{name, optional}`. */
function typedefs(text) {
  const types = new Map();
  for (const [, comment] of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const body = comment.replace(/^\s*\* ?/gm, "");
    for (const part of body.split("@typedef").slice(1)) {
      const literal = part.match(/^\s*\{\{([\s\S]*?)\}\}\s+(\w+)/);
      if (literal) {
        // Top-level keys of an object literal type: `name:` or `name?:` after `{{` or `,`.
        const keys = [...literal[1].matchAll(/(?:^|,)\s*(\w+)(\?)?\s*:/g)].map((m) => ({ name: m[1], optional: !!m[2] }));
        types.set(literal[2], keys);
        continue;
      }
      const object = part.match(/^\s*\{object\}\s+(\w+)/);
      if (object) {
        const props = [...part.matchAll(/@property\s+\{[^\n]*?\}\s+(\[)?(\w+)/g)].map((m) => ({ name: m[2], optional: !!m[1] }));
        types.set(object[1], props);
      }
    }
  }
  return types;
}

/** `/api/profiles/{id}` for `/api/profiles/${encodeURIComponent(id)}?…`. */
function template(path) {
  return path.split("?")[0].replace(/\$\{[^}]*\}/g, "{}");
}

/** The property names of a schema, through `allOf` and `$ref` (a schema that extends another). */
function propertiesOf(schema) {
  if (schema.$ref) return propertiesOf(doc.components.schemas[schema.$ref.split("/").pop()]);
  return [...Object.keys(schema.properties ?? {}), ...(schema.allOf ?? []).flatMap(propertiesOf)];
}

test("every call of the client is an operation of the API document", () => {
  const calls = [...source.matchAll(/this\.request\(\s*"([A-Z]+)",\s*["`]([^"`]+)["`]/g)];
  assert.ok(calls.length >= 20, `found only ${calls.length} calls in web/js/api.js`);
  const operations = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, "{}")}`),
    ),
  );
  for (const [, method, path] of calls) {
    const op = `${method} ${template(path)}`;
    assert.ok(operations.has(op), `web/js/api.js calls ${op}, which docs/openapi.json does not have`);
  }
});

test("every field the client's types declare is in the schema of that answer", () => {
  const types = typedefs(source);
  for (const name of types.keys()) {
    assert.ok(
      name in SCHEMA_OF || NOT_HTTP.has(name),
      `web/js/api.js declares ${name}: map it to its schema in this test (or list it as not HTTP)`,
    );
  }
  for (const [name, schemaNames] of Object.entries(SCHEMA_OF)) {
    const declared = types.get(name);
    assert.ok(declared && declared.length > 0, `web/js/api.js no longer declares ${name}`);
    // A type for several answers: a field it always has must be in each, an optional one in one.
    const schemas = [schemaNames].flat().map((schemaName) => {
      const schema = doc.components.schemas[schemaName];
      assert.ok(schema, `docs/openapi.json has no schema ${schemaName}`);
      return new Set(propertiesOf(schema));
    });
    for (const field of declared) {
      if ((LOCAL_FIELDS[name] ?? []).includes(field.name)) continue;
      const found = schemas.filter((props) => props.has(field.name)).length;
      assert.ok(
        field.optional ? found > 0 : found === schemas.length,
        `${name}.${field.name} (web/js/api.js) is not a property of ${[schemaNames].flat().join(field.optional ? " or " : " and ")}`,
      );
    }
  }
});
