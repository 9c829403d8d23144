/**
 * The scale check: EXPLAIN (ANALYZE, BUFFERS) of the SQL our read helpers
 * send, captured from the wire with its parameters. A sequential scan of
 * messages or message_citations means a read path grows with the table.
 */
import type postgres from 'postgres';

export interface PlanReport {
  helper: string;
  /** Plan nodes, outermost first: "Index Scan on messages", ... */
  nodes: string[];
  seqScans: string[];
  ms: number;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

export const guardedTables = ['messages', 'message_citations'];

function walk(node: PlanNode, out: string[]) {
  out.push(`${node['Node Type']}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}${node['Index Name'] ? ` (${node['Index Name']})` : ''}`);
  for (const child of node.Plans ?? []) walk(child, out);
}

export async function explain(sql: postgres.Sql, helper: string, query: string, parameters: unknown[]): Promise<PlanReport> {
  const [row] = await sql.unsafe(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query}`, parameters as never[]);
  const [plan] = row!['QUERY PLAN'] as [{ Plan: PlanNode; 'Execution Time': number }];
  const nodes: string[] = [];
  walk(plan.Plan, nodes);
  return {
    helper,
    nodes,
    seqScans: nodes.filter((node) => guardedTables.some((table) => node.startsWith(`Seq Scan on ${table}`))),
    ms: plan['Execution Time'],
  };
}
