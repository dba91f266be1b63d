// tojson.cjs - prints a YAML file (.yml, .yaml) or a JSON-with-comments file
// (anything else) as plain JSON, for jq. Strict: any syntax error is reported
// as "file:line:col: error" and the exit status is 1 (2 when it cannot run).
"use strict";
const { readFileSync } = require("node:fs");
const YAML = require("yaml");
const jsonc = require("jsonc-parser");

function position(text, offset) {
  const before = text.slice(0, offset).split("\n");
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

function convert(file) {
  const text = readFileSync(file, "utf8");
  if (/\.ya?ml$/.test(file)) {
    const doc = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length) {
      const e = doc.errors[0];
      throw new Error(`${file}:${position(text, e.pos[0])}: ${e.message.split("\n")[0]}`);
    }
    return doc.toJS();
  }
  const errors = [];
  const value = jsonc.parse(text, errors, { allowTrailingComma: false, disallowComments: false });
  if (errors.length) {
    const e = errors[0];
    throw new Error(`${file}:${position(text, e.offset)}: ${jsonc.printParseErrorCode(e.error)}`);
  }
  return value;
}

try {
  process.stdout.write(JSON.stringify(convert(process.argv[2])) + "\n");
} catch (err) {
  console.error(err.message);
  process.exit(err.code === "ENOENT" ? 2 : 1);
}
