// Generated from docs/openapi.json by scripts/generate.mjs (openapi-typescript); do not edit.
// Regenerate after the document changes: `npm run generate` in clients/typescript.
export {};
