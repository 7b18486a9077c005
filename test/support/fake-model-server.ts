/**
 * A protocol-faithful fake of the OpenAI chat-completions and Anthropic messages
 * HTTP APIs, so tests can drive the official `openai` and `@anthropic-ai/sdk`
 * clients (pointed at it with `baseURL`) without stubbing any SDK method.
 *
 * Routes:
 *   POST /v1/chat/completions, POST /chat/completions  OpenAI (baseURL `${url}/v1` or `url`)
 *   POST /v1/messages                                  Anthropic (baseURL `url`)
 *
 * Scripting: ONE FIFO queue shared by both routes. Each model request, whichever
 * route it hits, consumes the next step and gets it rendered in that route's wire
 * format (JSON, or SSE when the body has `stream: true`). Once the queue is empty
 * the `respond()` handler, if set, supplies the step; otherwise the server answers
 * 500 "script exhausted" with `x-should-retry: false`, so the SDK fails at once
 * instead of retrying. Requests rejected before scripting (unknown route, body that
 * is not JSON, missing required field) consume no step.
 */
import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type Provider = 'openai' | 'anthropic';

/** Provider-neutral; rendered as OpenAI's finish_reason or Anthropic's stop_reason. */
export type FinishReason = 'stop' | 'tool_calls' | 'length';

export interface ScriptedToolCall {
  name: string;
  arguments: Record<string, unknown>;
  /** Defaults to a generated `call_…` (OpenAI) or `toolu_…` (Anthropic) id. */
  id?: string;
}

export interface ScriptedUsage {
  input: number;
  output: number;
}

export interface ReplyStep {
  text?: string;
  /** Several entries are parallel tool calls in one answer. */
  toolCalls?: ScriptedToolCall[];
  /** Defaults to 'tool_calls' when toolCalls is non-empty, else 'stop'. */
  finishReason?: FinishReason;
  /** Defaults to an estimate of about 4 characters per token. */
  usage?: ScriptedUsage;
}

export interface HttpFault {
  status: number;
  /** Seconds; sent as `retry-after` and, multiplied by 1000, as `retry-after-ms`. */
  retryAfter?: number;
  message?: string;
  /** Overrides the provider error type derived from the status. */
  type?: string;
}

export type FaultStep =
  /** An error response with the provider's error body. */
  | { fault: HttpFault }
  /** Destroys the socket without sending anything. */
  | { fault: 'drop' }
  /** Never answers; with `ms`, answers `then` (default: empty text) after that delay. */
  | { fault: 'stall'; ms?: number; then?: ReplyStep }
  /** 200 whose JSON body (or first SSE event) is cut in half. */
  | { fault: 'malformed' }
  /** Sends the opening of the answer (stream: a few text deltas), then destroys the socket. */
  | { fault: 'midstream'; text?: string };

export type ScriptStep = ReplyStep | FaultStep;

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Which API the path belongs to; null for unknown routes. */
  provider: Provider | null;
  headers: IncomingHttpHeaders;
  /**
   * The parsed JSON body, or undefined when it was not JSON. Deliberately `any`:
   * this is the JSON boundary and tests assert on arbitrary nested fields.
   */
  body: any;
}

export type RespondHandler = (request: RecordedRequest) => ScriptStep | Promise<ScriptStep>;

export interface FakeModelServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order (live array). */
  readonly requests: RecordedRequest[];
  enqueue(...steps: ScriptStep[]): void;
  /** Supplies steps once the queue is empty, e.g. to answer a tool loop forever. */
  respond(handler: RespondHandler): void;
  /** Aborts stalled answers, closes every connection and stops listening. */
  close(): Promise<void>;
}

export async function startFakeModelServer(): Promise<FakeModelServer> {
  const fake = new ScriptedModelServer();
  await fake.listen();
  return fake;
}

/** Counts tool results sent back to the model in the request's conversation, for either provider. */
export function countToolResults(request: RecordedRequest): number {
  const messages: unknown = request.body?.messages;
  if (!Array.isArray(messages)) return 0;
  return messages.reduce<number>((count, message) => count + toolResultsIn(message), 0);
}

function toolResultsIn(message: { role?: unknown; content?: unknown }): number {
  if (message.role === 'tool') return 1;
  if (!Array.isArray(message.content)) return 0;
  return message.content.filter((block: { type?: unknown }) => block.type === 'tool_result').length;
}

// ---------------------------------------------------------------------------
// Server

const JSON_CONTENT_TYPE = 'application/json';
const SSE_CONTENT_TYPE = 'text/event-stream';

type JsonObject = Record<string, unknown>;

class ScriptedModelServer implements FakeModelServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: ScriptStep[] = [];
  private readonly stallTimers = new Set<NodeJS.Timeout>();
  private handler: RespondHandler | undefined;
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => failLoudly(res, error));
    });
    this.server.on('connection', (socket) => socket.setNoDelay(true));
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
  }

  enqueue(...steps: ScriptStep[]): void {
    this.queue.push(...steps);
  }

  respond(handler: RespondHandler): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    for (const timer of this.stallTimers) clearTimeout(timer);
    this.stallTimers.clear();
    this.server.closeAllConnections();
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const request = recordOf(req, rawBody);
    this.requests.push(request);

    if (!request.provider) return sendUnknownRoute(res, request);
    const dialect = dialectFor(request.provider);
    const rejection = rejectionReason(dialect, request.body);
    if (rejection) return sendError(res, dialect, { status: 400, message: rejection });

    const step = await this.nextStep(request);
    if (step) this.play(res, newExchange(dialect, request.body, rawBody), step);
    else sendScriptExhausted(res, dialect, request, this.requests.length);
  }

  private async nextStep(request: RecordedRequest): Promise<ScriptStep | undefined> {
    const queued = this.queue.shift();
    if (queued) return queued;
    return this.handler ? await this.handler(request) : undefined;
  }

  private play(res: ServerResponse, exchange: Exchange, step: ScriptStep): void {
    if (!('fault' in step)) {
      sendReply(res, exchange, step);
      return;
    }
    const { fault } = step;
    if (typeof fault === 'object') sendError(res, exchange.dialect, fault);
    else if (fault === 'drop') res.destroy();
    else if (fault === 'stall') this.stall(res, exchange, step.ms, step.then);
    else if (fault === 'malformed') sendMalformed(res, exchange);
    else sendTruncated(res, exchange, step.text ?? 'This answer is cut off before it ends');
  }

  private stall(res: ServerResponse, exchange: Exchange, ms: number | undefined, then: ReplyStep = { text: '' }): void {
    if (ms === undefined) return;
    const timer = setTimeout(() => {
      this.stallTimers.delete(timer);
      sendReply(res, exchange, then);
    }, ms);
    this.stallTimers.add(timer);
    res.once('close', () => {
      clearTimeout(timer);
      this.stallTimers.delete(timer);
    });
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function recordOf(req: IncomingMessage, rawBody: string): RecordedRequest {
  const method = req.method ?? 'GET';
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  return { method, path, provider: method === 'POST' ? providerForPath(path) : null, headers: req.headers, body: parseJson(rawBody) };
}

/** Why the real API would answer 400 before generating anything, if it would. */
function rejectionReason(dialect: Dialect, body: unknown): string | undefined {
  return isJsonObject(body) ? dialect.validate(body) : 'The request body is not a valid JSON object.';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------
// Responses (provider-independent plumbing)

interface Exchange {
  dialect: Dialect;
  id: string;
  created: number;
  model: string;
  stream: boolean;
  includeUsage: boolean;
  inputTokenEstimate: number;
}

function newExchange(dialect: Dialect, body: JsonObject, rawBody: string): Exchange {
  const streamOptions = isJsonObject(body.stream_options) ? body.stream_options : {};
  return {
    dialect,
    id: dialect.newResponseId(),
    created: Math.floor(Date.now() / 1000),
    model: String(body.model),
    stream: body.stream === true,
    includeUsage: streamOptions.include_usage === true,
    inputTokenEstimate: estimateTokens(rawBody),
  };
}

/** A ReplyStep with every default resolved, ready to render. */
interface Reply {
  text: string | null;
  toolCalls: { id: string; name: string; argumentsJson: string }[];
  finishReason: FinishReason;
  usage: ScriptedUsage;
}

function resolveReply(step: ReplyStep, exchange: Exchange): Reply {
  const toolCalls = (step.toolCalls ?? []).map((call) => ({
    id: call.id ?? exchange.dialect.newToolCallId(),
    name: call.name,
    argumentsJson: JSON.stringify(call.arguments),
  }));
  const hasToolCalls = toolCalls.length > 0;
  const text = step.text ?? (hasToolCalls ? null : '');
  const generated = (text ?? '') + toolCalls.map((call) => call.name + call.argumentsJson).join('');
  return {
    text,
    toolCalls,
    finishReason: step.finishReason ?? (hasToolCalls ? 'tool_calls' : 'stop'),
    usage: step.usage ?? { input: exchange.inputTokenEstimate, output: estimateTokens(generated) },
  };
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function sendReply(res: ServerResponse, exchange: Exchange, step: ReplyStep): void {
  const reply = resolveReply(step, exchange);
  if (exchange.stream) sendSse(res, exchange.dialect.streamEvents(reply, exchange));
  else sendJson(res, 200, exchange.dialect.completion(reply, exchange));
}

function sendError(res: ServerResponse, dialect: Dialect, fault: HttpFault): void {
  const message = fault.message ?? `fake-model-server: scripted HTTP ${fault.status} fault`;
  sendJson(res, fault.status, dialect.errorBody(fault.status, message, fault.type), retryAfterHeaders(fault.retryAfter));
}

function retryAfterHeaders(retryAfterSeconds: number | undefined): OutgoingHttpHeaders {
  if (retryAfterSeconds === undefined) return {};
  return { 'retry-after': String(retryAfterSeconds), 'retry-after-ms': String(retryAfterSeconds * 1000) };
}

function sendScriptExhausted(res: ServerResponse, dialect: Dialect, request: RecordedRequest, requestNumber: number): void {
  const message =
    `fake-model-server: script exhausted, no step for request #${requestNumber} ` +
    `(${request.method} ${request.path}); enqueue() more steps or set respond()`;
  sendJson(res, 500, dialect.errorBody(500, message), { 'x-should-retry': 'false' });
}

const SAMPLE_REPLY: ReplyStep = { text: 'This body is broken' };

function sendMalformed(res: ServerResponse, exchange: Exchange): void {
  const reply = resolveReply(SAMPLE_REPLY, exchange);
  if (exchange.stream) {
    const [first] = exchange.dialect.streamEvents(reply, exchange);
    sendSse(res, [{ ...first, data: firstHalf(first.data) }]);
  } else {
    const body = firstHalf(JSON.stringify(exchange.dialect.completion(reply, exchange)));
    res.writeHead(200, jsonHeaders(body));
    res.end(body);
  }
}

/** Sends the opening of an answer, then cuts the connection once it has been flushed. */
function sendTruncated(res: ServerResponse, exchange: Exchange, text: string): void {
  if (exchange.stream) {
    res.writeHead(200, sseHeaders());
    res.write(encodeSse(exchange.dialect.truncatedStreamEvents(text, exchange)), () => res.destroy());
    return;
  }
  const body = JSON.stringify(exchange.dialect.completion(resolveReply({ text }, exchange), exchange));
  res.writeHead(200, jsonHeaders(body));
  res.write(firstHalf(body), () => res.destroy());
}

function firstHalf(text: string): string {
  return text.slice(0, Math.floor(text.length / 2));
}

function baseHeaders(contentType: string): OutgoingHttpHeaders {
  const requestId = `req_${randomToken(24)}`;
  return { 'content-type': contentType, 'x-request-id': requestId, 'request-id': requestId };
}

function jsonHeaders(payload: string, extraHeaders: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  return { ...baseHeaders(JSON_CONTENT_TYPE), ...extraHeaders, 'content-length': Buffer.byteLength(payload) };
}

function sseHeaders(): OutgoingHttpHeaders {
  return { ...baseHeaders(SSE_CONTENT_TYPE), 'cache-control': 'no-cache' };
}

/** Writes status, headers and body in one go, so the answer leaves in a single packet when it fits. */
function sendJson(res: ServerResponse, status: number, body: object, extraHeaders: OutgoingHttpHeaders = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, jsonHeaders(payload, extraHeaders));
  res.end(payload);
}

interface SseEvent {
  event?: string;
  data: string;
}

function sendSse(res: ServerResponse, events: SseEvent[]): void {
  res.writeHead(200, sseHeaders());
  res.end(encodeSse(events));
}

function encodeSse(events: SseEvent[]): string {
  return events.map(({ event, data }) => (event ? `event: ${event}\n` : '') + `data: ${data}\n\n`).join('');
}

/** Understood by both SDKs: Anthropic reads `type`/`error.type`, OpenAI reads `error.message`. */
function providerAgnosticError(type: string, message: string): object {
  return { type: 'error', error: { type, message, param: null, code: null } };
}

function sendUnknownRoute(res: ServerResponse, request: RecordedRequest): void {
  const message = `fake-model-server: no route ${request.method} ${request.path}`;
  sendJson(res, 404, providerAgnosticError('not_found_error', message), { 'x-should-retry': 'false' });
}

function failLoudly(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const message = `fake-model-server: ${error instanceof Error ? error.message : String(error)}`;
  sendJson(res, 500, providerAgnosticError('api_error', message), { 'x-should-retry': 'false' });
}

// ---------------------------------------------------------------------------
// Text splitting for streams

/** Word-sized pieces that concatenate back to the original text. */
function splitWords(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

const ARGUMENT_PIECES = 3;

function splitIntoPieces(text: string, count: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / count));
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces;
}

function randomToken(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

// ---------------------------------------------------------------------------
// Dialects: everything that differs between the two wire formats

interface Dialect {
  newResponseId(): string;
  newToolCallId(): string;
  /** Returns why the API would reject the body with a 400 (missing field...), if it would. */
  validate(body: JsonObject): string | undefined;
  errorBody(status: number, message: string, typeOverride?: string): object;
  completion(reply: Reply, exchange: Exchange): object;
  streamEvents(reply: Reply, exchange: Exchange): SseEvent[];
  /** The events a stream of `text` would start with, up to its last text delta. */
  truncatedStreamEvents(text: string, exchange: Exchange): SseEvent[];
}

function providerForPath(path: string): Provider | null {
  if (path === '/v1/chat/completions' || path === '/chat/completions') return 'openai';
  if (path === '/v1/messages') return 'anthropic';
  return null;
}

function dialectFor(provider: Provider): Dialect {
  return provider === 'openai' ? openaiDialect : anthropicDialect;
}

function missingField(body: JsonObject, fields: string[]): string | undefined {
  return fields.find((field) => body[field] === undefined);
}

// --- OpenAI chat completions

const OPENAI_FINGERPRINT = 'fp_fake0000';

const openaiDialect: Dialect = {
  newResponseId: () => `chatcmpl-${randomToken(29)}`,
  newToolCallId: () => `call_${randomToken(24)}`,

  validate(body) {
    const missing = missingField(body, ['model', 'messages']);
    if (missing) return `Missing required parameter: '${missing}'.`;
    if (body.stream_options != null && body.stream !== true) {
      return "The 'stream_options' parameter is only allowed when 'stream' is enabled.";
    }
    return undefined;
  },

  errorBody(status, message, typeOverride) {
    const { type, code } = openaiErrorKind(status);
    return { error: { message, type: typeOverride ?? type, param: null, code } };
  },

  completion(reply, exchange) {
    return {
      id: exchange.id,
      object: 'chat.completion',
      created: exchange.created,
      model: exchange.model,
      system_fingerprint: OPENAI_FINGERPRINT,
      choices: [{ index: 0, message: openaiMessage(reply), logprobs: null, finish_reason: reply.finishReason }],
      usage: openaiUsage(reply.usage),
    };
  },

  streamEvents(reply, exchange) {
    const finish = openaiChunk(exchange, [{ index: 0, delta: {}, logprobs: null, finish_reason: reply.finishReason }]);
    const usage = exchange.includeUsage ? [openaiChunk(exchange, [], openaiUsage(reply.usage))] : [];
    return [
      ...openaiTextChunks(reply.text, exchange),
      ...openaiToolCallChunks(reply.toolCalls, exchange),
      finish,
      ...usage,
      { data: '[DONE]' },
    ];
  },

  truncatedStreamEvents: (text, exchange) => openaiTextChunks(text, exchange),
};

function openaiErrorKind(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  return { type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null };
}

function openaiMessage(reply: Reply): JsonObject {
  const message: JsonObject = { role: 'assistant', content: reply.text, refusal: null, annotations: [] };
  if (reply.toolCalls.length > 0) {
    message.tool_calls = reply.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.argumentsJson },
    }));
  }
  return message;
}

function openaiUsage(usage: ScriptedUsage): JsonObject {
  return { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output };
}

/** With include_usage, every chunk carries `usage: null` except the final usage chunk, as the real API does. */
function openaiChunk(exchange: Exchange, choices: JsonObject[], usage: JsonObject | null = null): SseEvent {
  const chunk = {
    id: exchange.id,
    object: 'chat.completion.chunk',
    created: exchange.created,
    model: exchange.model,
    system_fingerprint: OPENAI_FINGERPRINT,
    choices,
    ...(exchange.includeUsage ? { usage } : {}),
  };
  return { data: JSON.stringify(chunk) };
}

function openaiDeltaChunk(exchange: Exchange, delta: JsonObject): SseEvent {
  return openaiChunk(exchange, [{ index: 0, delta, logprobs: null, finish_reason: null }]);
}

function openaiTextChunks(text: string | null, exchange: Exchange): SseEvent[] {
  const roleDelta = { role: 'assistant', content: text === null ? null : '', refusal: null };
  return [
    openaiDeltaChunk(exchange, roleDelta),
    ...splitWords(text ?? '').map((piece) => openaiDeltaChunk(exchange, { content: piece })),
  ];
}

function openaiToolCallChunks(toolCalls: Reply['toolCalls'], exchange: Exchange): SseEvent[] {
  return toolCalls.flatMap((call, index) => [
    openaiDeltaChunk(exchange, {
      tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
    }),
    ...splitIntoPieces(call.argumentsJson, ARGUMENT_PIECES).map((piece) =>
      openaiDeltaChunk(exchange, { tool_calls: [{ index, function: { arguments: piece } }] }),
    ),
  ]);
}

// --- Anthropic messages

const ANTHROPIC_STOP_REASONS: Record<FinishReason, string> = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  length: 'max_tokens',
};

const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const anthropicDialect: Dialect = {
  newResponseId: () => `msg_01${randomToken(22)}`,
  newToolCallId: () => `toolu_01${randomToken(22)}`,

  validate(body) {
    const missing = missingField(body, ['model', 'max_tokens', 'messages']);
    return missing ? `${missing}: Field required` : undefined;
  },

  errorBody(status, message, typeOverride) {
    const type = typeOverride ?? ANTHROPIC_ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
    return { type: 'error', error: { type, message } };
  },

  completion(reply, exchange) {
    return {
      ...anthropicMessageShell(exchange),
      content: anthropicContent(reply),
      stop_reason: ANTHROPIC_STOP_REASONS[reply.finishReason],
      usage: { input_tokens: reply.usage.input, output_tokens: reply.usage.output },
    };
  },

  streamEvents(reply, exchange) {
    const { text } = reply;
    const textBlock = text === null ? [] : [...anthropicTextBlockOpening(text, 0), anthropicEvent('content_block_stop', { index: 0 })];
    const firstToolIndex = text === null ? 0 : 1;
    return [
      anthropicMessageStart(exchange, reply.usage.input),
      anthropicEvent('ping', {}),
      ...textBlock,
      ...reply.toolCalls.flatMap((call, offset) => anthropicToolUseBlock(call, firstToolIndex + offset)),
      anthropicEvent('message_delta', {
        delta: { stop_reason: ANTHROPIC_STOP_REASONS[reply.finishReason], stop_sequence: null },
        usage: { output_tokens: reply.usage.output },
      }),
      anthropicEvent('message_stop', {}),
    ];
  },

  truncatedStreamEvents: (text, exchange) => [
    anthropicMessageStart(exchange, exchange.inputTokenEstimate),
    ...anthropicTextBlockOpening(text, 0),
  ],
};

function anthropicMessageShell(exchange: Exchange): JsonObject {
  return { id: exchange.id, type: 'message', role: 'assistant', model: exchange.model, stop_sequence: null };
}

function anthropicContent(reply: Reply): JsonObject[] {
  const text = reply.text === null ? [] : [{ type: 'text', text: reply.text }];
  const toolUses = reply.toolCalls.map((call) => ({
    type: 'tool_use',
    id: call.id,
    name: call.name,
    input: JSON.parse(call.argumentsJson) as unknown,
  }));
  return [...text, ...toolUses];
}

function anthropicEvent(type: string, payload: JsonObject): SseEvent {
  return { event: type, data: JSON.stringify({ type, ...payload }) };
}

function anthropicMessageStart(exchange: Exchange, inputTokens: number): SseEvent {
  return anthropicEvent('message_start', {
    message: {
      ...anthropicMessageShell(exchange),
      content: [],
      stop_reason: null,
      usage: { input_tokens: inputTokens, output_tokens: 1 },
    },
  });
}

function anthropicTextBlockOpening(text: string, index: number): SseEvent[] {
  return [
    anthropicEvent('content_block_start', { index, content_block: { type: 'text', text: '' } }),
    ...splitWords(text).map((piece) =>
      anthropicEvent('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }),
    ),
  ];
}

function anthropicToolUseBlock(call: Reply['toolCalls'][number], index: number): SseEvent[] {
  return [
    anthropicEvent('content_block_start', {
      index,
      content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
    }),
    ...splitIntoPieces(call.argumentsJson, ARGUMENT_PIECES).map((piece) =>
      anthropicEvent('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }),
    ),
    anthropicEvent('content_block_stop', { index }),
  ];
}
