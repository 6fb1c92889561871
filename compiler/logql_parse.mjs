// Parses LogQL queries with Grafana's own grammar (@grafana/lezer-logql, what Grafana's
// Loki query editor uses) and prints each syntax tree as JSON, for compiler/logql.py.
//
// stdin:  a JSON array of query strings
// stdout: a JSON array, one tree per query: [name, from, to, children], where `name`
//         is "⚠" for a node the parser inserted or skipped to recover from an error.
import { readFileSync } from "node:fs";
import { parser } from "@grafana/lezer-logql";

function tree(text) {
  const cursor = parser.parse(text).cursor();
  const walk = () => {
    const node = [cursor.type.isError ? "⚠" : cursor.type.name, cursor.from, cursor.to, []];
    if (cursor.firstChild()) {
      do node[3].push(walk()); while (cursor.nextSibling());
      cursor.parent();
    }
    return node;
  };
  return walk();
}

const queries = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(queries.map(tree)));
