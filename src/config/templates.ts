/**
 * Starting configs that `only1mcp config` writes for a new user. Each is a
 * file someone would keep and edit, so the comments explain the choices;
 * a unit test loads every template through the real loader.
 */

export type TemplateName = 'solo' | 'team' | 'enterprise';

const SYNTAX_NOTE = `# Strings may use \${VAR}, \${VAR:-default} or \${env:VAR} from the gateway's
# environment (write $\${ for a literal \${). The gateway reloads this file
# when it changes; a broken edit is reported and the running config is kept.`;

const SOLO = `# only1mcp - one MCP endpoint for your own machine.
#
# Point your MCP client (Claude Desktop, Cursor, VS Code, ...) at
#   http://127.0.0.1:7323/mcp
# instead of configuring every server in every client.
#
${SYNTAX_NOTE}

listen:
  # Loopback only: nothing else on the network can reach the gateway.
  host: 127.0.0.1
  port: 7323

# One worker process is plenty for one person.
workers: 1

logLevel: info

naming:
  # Tools are exposed as <server>__<tool>, so two servers may both have "search".
  default: prefix
  separator: "__"

servers:
  # stdio servers are started by the gateway, shared by all your clients,
  # and restarted if they crash. npx downloads each on first use.
  filesystem:
    command: npx
    # The server may only touch the directories listed after the package name.
    # \${userHome} is your home directory on every OS.
    args: ["-y", "@modelcontextprotocol/server-filesystem", "\${userHome}/projects"]

  memory:
    command: npx
    args: ["-y", "@modelcontextprotocol/server-memory"]
    env:
      # Where the knowledge graph is kept between runs.
      MEMORY_FILE_PATH: "\${userHome}/mcp-memory.jsonl"

  # A remote server works the same way, with url instead of command:
  # docs:
  #   url: https://example.com/mcp
  #   headers:
  #     Authorization: "Bearer \${DOCS_TOKEN}"
`;

const TEAM = `# only1mcp - a shared gateway for a team.
#
# Everyone's clients connect to one endpoint (https://mcp.example.internal/mcp
# behind your TLS proxy or load balancer); servers are configured once, here.
#
${SYNTAX_NOTE}

listen:
  # Every interface: terminate TLS in front of the gateway (nginx, a cloud LB).
  host: 0.0.0.0
  port: 7323
  # Browsers are refused unless their Origin is listed (DNS-rebinding protection).
  allowedOrigins: ["https://chat.example.internal"]
  # Host names clients use to reach the gateway, besides localhost.
  allowedHosts: ["mcp.example.internal"]

# One worker per CPU core.
workers: auto

# Sessions, caches and circuit-breaker state shared by all workers and by
# every gateway node behind the load balancer. Without redis, each process
# keeps its own and clients must stick to one process.
redis: "\${REDIS_URL:-redis://127.0.0.1:6379}"

logLevel: info

naming:
  default: prefix

context:
  # Many servers mean many tools; compact trims schemas and descriptions so
  # the tool list costs the model less context.
  mode: compact

# Who may call, and what. Every request needs an API key: run
#   only1mcp auth hash-key --principal alice
# give alice the key it prints (once), and paste the hash below. Only hashes
# are stored; a lost key is replaced, never recovered. Clients send the key
# as "Authorization: Bearer <key>" (or "X-API-Key: <key>").
auth:
  apiKeys:
    - principal: alice
      hash: "sha256:PsJh8MwFRLCsS2skL5sxw9V1_N10s8ojtNn4IpEgeyk"
      roles: [admin]
    - principal: ci-bot
      hash: "sha256:lyGh7ZtmgZvseGAn2tP-EIZAwzWKZQTLux7yEWJufpM"
      roles: [developer]

  roles:
    # Everything, and the admin API (only1mcp list, status views).
    admin:
      servers: ["*"]
      admin: true
    # Read-only GitHub tools (globs on the names clients see), and every tool
    # of the docs, tickets and fetch servers.
    developer:
      tools: ["github__get_*", "github__list_*", "github__search_*"]
      servers: [docs, tickets, fetch]

  # A runaway agent loop should not drain backend quotas: 120 tool calls a
  # minute per person, counted across every worker through Redis.
  rateLimits:
    - name: per-person
      per: principal
      limit: 120
      windowSeconds: 60

  # One JSON line per call and per refusal on stdout (logs go to stderr).
  audit:
    stream: stdout

servers:
  github:
    url: https://api.githubcopilot.com/mcp/
    headers:
      # Read from the gateway's environment, never committed to the file.
      Authorization: "Bearer \${GITHUB_TOKEN}"

  docs:
    url: http://docs-mcp.internal:8080/mcp
    # A slow search backend: give calls longer than the default 60 s.
    timeoutMs: 120000

  tickets:
    # An older server that only speaks the 2024-11-05 HTTP+SSE transport.
    type: sse
    url: http://tickets.internal:9000/sse
    # Tool names stay unprefixed unless another server has the same one.
    naming: on-collision

  # stdio servers run on every gateway node, next to the workers.
  fetch:
    command: uvx
    args: ["mcp-server-fetch"]
`;

const ENTERPRISE = `# only1mcp - a gateway cluster for an organisation.
#
# Several nodes run this same file behind a load balancer and share all state
# through Redis; any node can serve any session.
#
${SYNTAX_NOTE}
#
# Identity comes from the organisation's identity provider (OAuth 2.1 / OIDC):
# clients discover it from the gateway itself (401 + protected-resource
# metadata), and the gateway verifies their JWT access tokens locally.

listen:
  host: 0.0.0.0
  port: 7323
  # No browser-based clients: only loopback origins pass.
  allowedOrigins: []
  # Only the public name (and localhost, for health checks) is accepted.
  allowedHosts: ["mcp.corp.example.com"]
  # 1 MiB: tool arguments rarely need more, and a low bound limits abuse.
  maxBodyBytes: 1048576

# A fixed worker count keeps capacity planning predictable across node sizes.
workers: 8

# Required here: TLS to a managed Redis (rediss://).
redis: "\${REDIS_URL}"

# Quieter at scale: warnings and errors only (switch to info when diagnosing).
logLevel: warn

naming:
  default: prefix
  separator: "__"

context:
  # Hundreds of tools: clients get a search tool and pull in what they need.
  mode: search

auth:
  jwt:
    # The identity provider's signing keys (fetched, cached, refreshed).
    jwksUrl: "\${IDP_JWKS_URL}"
    algorithms: [RS256, ES256]
    # Roles from a claim the IdP fills from group membership.
    rolesClaim: roles
  oauth:
    # This gateway as clients address it: tokens must be issued for exactly
    # this resource (audience), by the issuer below.
    resource: https://mcp.corp.example.com/mcp
    authorizationServers: ["\${IDP_ISSUER}"]
    scopesSupported: [mcp.tools]
    requiredScopes: [mcp.tools]

  roles:
    platform-admin:
      servers: ["*"]
      admin: true
    engineer:
      servers: [jira, search]
      # Warehouse tools by the server's own names: reads only.
      originalTools:
        warehouse: ["list_*", "describe_*", "query_readonly"]
    analyst:
      originalTools:
        warehouse: ["list_*", "query_readonly"]

  rateLimits:
    # Each person: 300 tool calls a minute, across every node.
    - name: per-user
      per: principal
      limit: 300
      windowSeconds: 60
    # The warehouse is expensive: 30 queries a minute per person and tool.
    - name: warehouse-queries
      tools: ["warehouse__query*"]
      per: [principal, tool]
      limit: 30
      windowSeconds: 60

  # Kept apart from the logs, with the arguments of each call (secrets under
  # keys like password or token are redacted).
  audit:
    file: /var/log/only1mcp/audit.jsonl
    arguments: true

  upstream:
    # Jira sees each caller as themselves: the gateway exchanges the caller's
    # token for one minted for Jira (RFC 8693); the caller's own token never
    # leaves the gateway.
    jira:
      tokenExchange:
        tokenEndpoint: "\${IDP_TOKEN_ENDPOINT}"
        clientId: only1mcp-gateway
        clientSecret: "\${ONLY1MCP_CLIENT_SECRET}"
        audience: https://mcp.atlassian.example.com

servers:
  jira:
    url: https://mcp.atlassian.example.com/v1/mcp
    # Its Authorization header comes per caller from auth.upstream.jira.
    # Tighter than the defaults (60 s call, 30 s connect): fail fast, let the
    # breaker take a slow backend out of rotation.
    timeoutMs: 30000
    connectTimeoutMs: 10000

  warehouse:
    url: https://sql-mcp.data.example.com/mcp
    headers:
      Authorization: "Bearer \${WAREHOUSE_TOKEN}"
    timeoutMs: 45000
    connectTimeoutMs: 10000
    # The backend speaks the 2026-07-28 revision; do not probe.
    protocol: modern

  search:
    command: npx
    args: ["-y", "@example/search-mcp"]
    env:
      SEARCH_API_KEY: "\${SEARCH_API_KEY}"
    timeoutMs: 20000

  # Kept for reference, not started.
  legacy-crm:
    type: sse
    url: https://crm.example.com/mcp/sse
    enabled: false
`;

export const TEMPLATES: Readonly<Record<TemplateName, string>> = Object.freeze({
  solo: SOLO,
  team: TEAM,
  enterprise: ENTERPRISE,
});
