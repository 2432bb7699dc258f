/**
 * The servers of a running gateway as the CLI shows them (`start`, `list`,
 * `status`): read from the loopback admin view (GET /admin/catalog), which
 * carries each server's state, last error and last stderr lines. /health is
 * not used for this: it is for load balancers and anonymous callers.
 */

export interface ServerView {
  name: string;
  type: string;
  state: string;
  era?: string;
  protocolVersion?: string;
  lastError?: string;
  restarts?: number;
  /** The last lines the server wrote on stderr (stdio servers), oldest first. */
  stderr?: string[];
}

export interface CatalogItemView {
  name: string;
  backend?: string;
  description?: string;
  uri?: string;
  uriTemplate?: string;
}

export interface CatalogView {
  servers: ServerView[];
  tools: CatalogItemView[];
  prompts: CatalogItemView[];
  resources: CatalogItemView[];
  resourceTemplates: CatalogItemView[];
}

/** Longest last error shown; errors may quote an HTML page a wrong URL answered with. */
export const LAST_ERROR_CHARS = 400;

/** An error on one line, its whitespace (an HTML page's newlines) collapsed, cut to LAST_ERROR_CHARS. */
export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > LAST_ERROR_CHARS ? `${flat.slice(0, LAST_ERROR_CHARS - 1)}…` : flat;
}

export function failedServers(view: Pick<CatalogView, 'servers'>): ServerView[] {
  return view.servers.filter((s) => s.state !== 'ready');
}

/** "name (type, state, era)" */
export function serverHeading(s: ServerView): string {
  return `${s.name} (${s.type}, ${s.state}${s.era ? `, ${s.era}` : ''})`;
}

/** The last error and stderr lines of a server, indented under its heading; '' when there are none. */
export function failureDetails(s: ServerView, indent = '  '): string {
  let out = '';
  if (s.lastError) out += `${indent}last error: ${oneLine(s.lastError)}\n`;
  if (s.stderr && s.stderr.length > 0) {
    out += `${indent}stderr (last ${s.stderr.length} ${s.stderr.length === 1 ? 'line' : 'lines'}):\n`;
    for (const line of s.stderr) out += `${indent}  | ${line}\n`;
  }
  return out;
}
