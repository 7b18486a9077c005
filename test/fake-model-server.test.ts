import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { countToolResults, startFakeModelServer, type FakeModelServer } from './support/fake-model-server.js';

const OPENAI_MODEL = 'gpt-4o-mini';
const ANTHROPIC_MODEL = 'claude-sonnet-5-5';

async function withServer(run: (server: FakeModelServer) => Promise<void>): Promise<void> {
  const server = await startFakeModelServer();
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

/** `logLevel: 'off'` keeps the SDK from printing the broken chunks that malformed-body tests provoke. */
type ClientTweaks = { timeout?: number; logLevel?: 'off' };

/** maxRetries: 0 so every scripted fault surfaces as-is instead of being retried by the SDK. */
function openaiClient(server: FakeModelServer, options: ClientTweaks = {}): OpenAI {
  return new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 0, ...options });
}

function anthropicClient(server: FakeModelServer, options: ClientTweaks = {}): Anthropic {
  return new Anthropic({ apiKey: 'sk-ant-test', baseURL: server.url, maxRetries: 0, ...options });
}

const addTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'add',
    description: 'Adds two numbers',
    parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  },
};

const addAnthropicTool: Anthropic.Tool = {
  name: 'add',
  description: 'Adds two numbers',
  input_schema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
};

// --- OpenAI

test('openai: non-streaming text answer and the recorded request', async () => {
  await withServer(async (server) => {
    server.enqueue({ text: 'hello there', usage: { input: 10, output: 5 } });

    const completion = await openaiClient(server).chat.completions.create({
      model: OPENAI_MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2,
      max_tokens: 64,
    });

    assert.match(completion.id, /^chatcmpl-/);
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, OPENAI_MODEL);
    assert.equal(completion.choices[0].message.role, 'assistant');
    assert.equal(completion.choices[0].message.content, 'hello there');
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.deepEqual(completion.usage, { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });

    assert.equal(server.requests.length, 1);
    const [request] = server.requests;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/v1/chat/completions');
    assert.equal(request.provider, 'openai');
    assert.equal(request.headers.authorization, 'Bearer sk-test');
    assert.deepEqual(request.body.messages, [{ role: 'user', content: 'hi' }]);
    assert.equal(request.body.temperature, 0.2);
    assert.equal(request.body.max_tokens, 64);
    assert.equal(request.body.stream, undefined);
  });
});

test('openai: streaming parallel tool calls reassemble from argument fragments, with a usage chunk', async () => {
  await withServer(async (server) => {
    server.enqueue({
      text: 'Let me add those.',
      toolCalls: [
        { name: 'add', arguments: { a: 1, b: 2 } },
        { name: 'add', arguments: { a: 30, b: 12 } },
      ],
    });

    const stream = await openaiClient(server).chat.completions.create({
      model: OPENAI_MODEL,
      messages: [{ role: 'user', content: 'add 1+2 and 30+12' }],
      tools: [addTool],
      stream: true,
      stream_options: { include_usage: true },
    });

    let text = '';
    let textChunks = 0;
    let finishReason: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    const calls: { id: string; name: string; arguments: string; fragments: number }[] = [];
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      if (choice.delta.content) {
        text += choice.delta.content;
        textChunks += 1;
      }
      for (const delta of choice.delta.tool_calls ?? []) {
        calls[delta.index] ??= { id: '', name: '', arguments: '', fragments: 0 };
        const call = calls[delta.index];
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.name = delta.function.name;
        if (delta.function?.arguments) {
          call.arguments += delta.function.arguments;
          call.fragments += 1;
        }
      }
      finishReason = choice.finish_reason ?? finishReason;
    }

    assert.equal(text, 'Let me add those.');
    assert.ok(textChunks > 1, 'text arrives in several chunks');
    assert.equal(finishReason, 'tool_calls');
    assert.equal(calls.length, 2);
    assert.deepEqual(calls.map((call) => JSON.parse(call.arguments)), [{ a: 1, b: 2 }, { a: 30, b: 12 }]);
    for (const call of calls) {
      assert.match(call.id, /^call_/);
      assert.equal(call.name, 'add');
      assert.ok(call.fragments > 1, 'arguments arrive in several fragments');
    }
    assert.ok(usage && usage.total_tokens === usage.prompt_tokens + usage.completion_tokens);
    assert.equal(server.requests[0].body.stream, true);
    assert.deepEqual(server.requests[0].body.stream_options, { include_usage: true });
  });
});

test('openai: tool-call round trip threads the tool result back', async () => {
  await withServer(async (server) => {
    server.enqueue({ toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }] }, { text: 'The sum is 3.' });
    const client = openaiClient(server);
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'add 1 and 2' }];

    const first = await client.chat.completions.create({ model: OPENAI_MODEL, messages, tools: [addTool] });
    const assistant = first.choices[0].message;
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.equal(assistant.content, null);
    const toolCall = assistant.tool_calls?.[0];
    assert.ok(toolCall?.type === 'function');
    assert.deepEqual(JSON.parse(toolCall.function.arguments), { a: 1, b: 2 });

    messages.push(assistant, { role: 'tool', tool_call_id: toolCall.id, content: '3' });
    const second = await client.chat.completions.create({ model: OPENAI_MODEL, messages, tools: [addTool] });

    assert.equal(second.choices[0].message.content, 'The sum is 3.');
    const sent = server.requests[1].body.messages;
    assert.equal(sent[1].tool_calls[0].id, toolCall.id);
    assert.deepEqual(sent[2], { role: 'tool', tool_call_id: toolCall.id, content: '3' });
    assert.equal(countToolResults(server.requests[1]), 1);
    assert.equal(server.requests[1].body.tools[0].function.name, 'add');
  });
});

test('openai: a truncated answer finishes with length', async () => {
  await withServer(async (server) => {
    server.enqueue({ text: 'partial', finishReason: 'length' });
    const completion = await openaiClient(server).chat.completions.create({
      model: OPENAI_MODEL,
      messages: [{ role: 'user', content: 'write a novel' }],
    });
    assert.equal(completion.choices[0].finish_reason, 'length');
    assert.equal(completion.choices[0].message.content, 'partial');
  });
});

test('openai: 429 surfaces as RateLimitError with Retry-After visible', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: { status: 429, retryAfter: 2 } });
    const error = await captureError(
      openaiClient(server).chat.completions.create({ model: OPENAI_MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.ok(error instanceof OpenAI.RateLimitError);
    assert.equal(error.status, 429);
    assert.equal(error.headers.get('retry-after'), '2');
    assert.equal(error.headers.get('retry-after-ms'), '2000');
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.match(error.requestID ?? '', /^req_/);
    assert.equal(server.requests.length, 1);
  });
});

test('openai: 401 surfaces as AuthenticationError', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: { status: 401, message: 'Incorrect API key provided' } });
    const error = await captureError(
      openaiClient(server).chat.completions.create({ model: OPENAI_MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.ok(error instanceof OpenAI.AuthenticationError);
    assert.equal(error.status, 401);
    assert.equal(error.type, 'invalid_request_error');
    assert.match(error.message, /Incorrect API key provided/);
  });
});

test('openai: 503 is retried by the SDK when retries are allowed', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: { status: 503, retryAfter: 0.01 } }, { text: 'recovered' });
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 1 });
    const completion = await client.chat.completions.create({ model: OPENAI_MODEL, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(completion.choices[0].message.content, 'recovered');
    assert.equal(server.requests.length, 2);
  });
});

test('openai: a dropped connection surfaces as APIConnectionError', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: 'drop' });
    const error = await captureError(
      openaiClient(server).chat.completions.create({ model: OPENAI_MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.ok(error instanceof OpenAI.APIConnectionError);
  });
});

test('openai: a malformed body fails, streaming or not', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: 'malformed' }, { fault: 'malformed' });
    const client = openaiClient(server, { logLevel: 'off' });
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }];

    await assert.rejects(client.chat.completions.create({ model: OPENAI_MODEL, messages }), SyntaxError);
    const stream = await client.chat.completions.create({ model: OPENAI_MODEL, messages, stream: true });
    await assert.rejects(drain(stream), SyntaxError);
  });
});

test('openai: a stream cut midway throws after some text', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: 'midstream', text: 'one two three' });
    const stream = await openaiClient(server).chat.completions.create({
      model: OPENAI_MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });

    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    }, /terminated/);
    assert.equal(text, 'one two three');
  });
});

test('openai: a JSON body cut midway fails', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: 'midstream' });
    await assert.rejects(
      openaiClient(server).chat.completions.create({ model: OPENAI_MODEL, messages: [{ role: 'user', content: 'hi' }] }),
      /terminated/,
    );
  });
});

test('openai: a stalled answer trips the SDK timeout', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: 'stall' });
    const error = await captureError(
      openaiClient(server, { timeout: 200 }).chat.completions.create({
        model: OPENAI_MODEL,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    assert.ok(error instanceof OpenAI.APIConnectionTimeoutError);
  });
});

test('openai: a stall with ms answers late', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: 'stall', ms: 50, then: { text: 'late' } });
    const startedAt = Date.now();
    const completion = await openaiClient(server).chat.completions.create({
      model: OPENAI_MODEL,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(completion.choices[0].message.content, 'late');
    assert.ok(Date.now() - startedAt >= 45);
  });
});

test('openai: an exhausted script fails loudly and is not retried', async () => {
  await withServer(async (server) => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 2 });
    const error = await captureError(
      client.chat.completions.create({ model: OPENAI_MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.ok(error instanceof OpenAI.InternalServerError);
    assert.match(error.message, /script exhausted/);
    assert.equal(server.requests.length, 1);
  });
});

// --- Anthropic

test('anthropic: non-streaming text and tool_use blocks', async () => {
  await withServer(async (server) => {
    server.enqueue({ text: 'Adding.', toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }], usage: { input: 12, output: 7 } });

    const message = await anthropicClient(server).messages.create({
      model: ANTHROPIC_MODEL,
      max_tokens: 256,
      system: 'You add numbers.',
      messages: [{ role: 'user', content: 'add 1 and 2' }],
      tools: [addAnthropicTool],
    });

    assert.match(message.id, /^msg_/);
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.model, ANTHROPIC_MODEL);
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.usage, { input_tokens: 12, output_tokens: 7 });
    const [text, toolUse] = message.content;
    assert.ok(text.type === 'text' && toolUse.type === 'tool_use');
    assert.equal(text.text, 'Adding.');
    assert.match(toolUse.id, /^toolu_/);
    assert.equal(toolUse.name, 'add');
    assert.deepEqual(toolUse.input, { a: 1, b: 2 });

    const [request] = server.requests;
    assert.equal(request.path, '/v1/messages');
    assert.equal(request.provider, 'anthropic');
    assert.ok(request.headers['anthropic-version']);
    const credentials = [request.headers['x-api-key'], request.headers.authorization];
    assert.ok(credentials.some((value) => value?.includes('sk-ant-test')), 'the API key is sent');
    assert.equal(request.body.max_tokens, 256);
    assert.equal(request.body.system, 'You add numbers.');
    assert.equal(request.body.tools[0].name, 'add');
  });
});

test('anthropic: messages.stream reassembles text and parallel tool inputs', async () => {
  await withServer(async (server) => {
    server.enqueue({
      text: 'Let me add those.',
      toolCalls: [
        { name: 'add', arguments: { a: 1, b: 2 } },
        { name: 'add', arguments: { a: 30, b: 12 } },
      ],
    });

    const stream = anthropicClient(server).messages.stream({
      model: ANTHROPIC_MODEL,
      max_tokens: 256,
      messages: [{ role: 'user', content: 'add 1+2 and 30+12' }],
      tools: [addAnthropicTool],
    });
    const textDeltas: string[] = [];
    const eventTypes: string[] = [];
    stream.on('text', (delta) => textDeltas.push(delta));
    stream.on('streamEvent', (event) => eventTypes.push(event.type));
    const message = await stream.finalMessage();

    assert.ok(textDeltas.length > 1, 'text arrives in several deltas');
    assert.equal(textDeltas.join(''), 'Let me add those.');
    assert.equal(message.stop_reason, 'tool_use');
    assert.ok(message.usage.output_tokens > 1);
    const toolUses = message.content.filter((block) => block.type === 'tool_use');
    assert.deepEqual(toolUses.map((block) => block.input), [{ a: 1, b: 2 }, { a: 30, b: 12 }]);
    assert.equal(eventTypes[0], 'message_start');
    assert.equal(eventTypes.at(-1), 'message_stop');
    assert.ok(eventTypes.includes('message_delta'));
    assert.equal(server.requests[0].body.stream, true);
  });
});

test('anthropic: raw stream delivers input_json_delta in several pieces', async () => {
  await withServer(async (server) => {
    server.enqueue({ toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }] });
    const stream = await anthropicClient(server).messages.create({
      model: ANTHROPIC_MODEL,
      max_tokens: 256,
      messages: [{ role: 'user', content: 'add' }],
      stream: true,
    });

    const pieces: string[] = [];
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') {
        pieces.push(event.delta.partial_json);
      }
    }
    assert.ok(pieces.length > 1);
    assert.deepEqual(JSON.parse(pieces.join('')), { a: 1, b: 2 });
  });
});

test('anthropic: a truncated answer stops with max_tokens', async () => {
  await withServer(async (server) => {
    server.enqueue({ text: 'partial', finishReason: 'length' });
    const message = await anthropicClient(server)
      .messages.stream({ model: ANTHROPIC_MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'write a novel' }] })
      .finalMessage();
    assert.equal(message.stop_reason, 'max_tokens');
  });
});

test('anthropic: respond() drives a tool loop until enough results came back', async () => {
  await withServer(async (server) => {
    const wantedResults = 3;
    server.respond((request) =>
      countToolResults(request) < wantedResults
        ? { toolCalls: [{ name: 'add', arguments: { a: countToolResults(request), b: 1 } }] }
        : { text: 'done' },
    );
    const client = anthropicClient(server);
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'count to 3' }];

    let message = await client.messages.create({ model: ANTHROPIC_MODEL, max_tokens: 256, messages, tools: [addAnthropicTool] });
    while (message.stop_reason === 'tool_use') {
      const toolUse = message.content.find((block) => block.type === 'tool_use');
      assert.ok(toolUse?.type === 'tool_use');
      const { a, b } = toolUse.input as { a: number; b: number };
      messages.push(
        { role: 'assistant', content: message.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: String(a + b) }] },
      );
      message = await client.messages.create({ model: ANTHROPIC_MODEL, max_tokens: 256, messages, tools: [addAnthropicTool] });
    }

    assert.deepEqual(message.content, [{ type: 'text', text: 'done' }]);
    assert.equal(server.requests.length, wantedResults + 1);
  });
});

test('anthropic: 429 surfaces as RateLimitError with Retry-After visible', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: { status: 429, retryAfter: 2 } });
    const error = await captureError(
      anthropicClient(server).messages.create({ model: ANTHROPIC_MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.ok(error instanceof Anthropic.RateLimitError);
    assert.equal(error.status, 429);
    assert.equal(error.headers.get('retry-after'), '2');
    assert.equal(error.type, 'rate_limit_error');
    assert.match(error.requestID ?? '', /^req_/);
  });
});

test('anthropic: 401 and 529 map to the SDK error classes', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: { status: 401 } }, { fault: { status: 529 } });
    const client = anthropicClient(server);
    const request = { model: ANTHROPIC_MODEL, max_tokens: 16, messages: [{ role: 'user' as const, content: 'hi' }] };

    const unauthorized = await captureError(client.messages.create(request));
    assert.ok(unauthorized instanceof Anthropic.AuthenticationError);
    assert.equal(unauthorized.type, 'authentication_error');

    const overloaded = await captureError(client.messages.create(request));
    assert.ok(overloaded instanceof Anthropic.InternalServerError);
    assert.equal(overloaded.status, 529);
    assert.equal(overloaded.type, 'overloaded_error');
  });
});

test('anthropic: a dropped connection surfaces as APIConnectionError', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: 'drop' });
    const error = await captureError(
      anthropicClient(server).messages.create({ model: ANTHROPIC_MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.ok(error instanceof Anthropic.APIConnectionError);
  });
});

test('anthropic: a malformed stream fails', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: 'malformed' });
    const stream = anthropicClient(server, { logLevel: 'off' }).messages.stream({
      model: ANTHROPIC_MODEL,
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await assert.rejects(stream.finalMessage());
  });
});

test('anthropic: a stream cut midway throws after some text', async () => {
  await withServer(async (server) => {
    server.enqueue({ fault: 'midstream', text: 'one two three' });
    const stream = await anthropicClient(server).messages.create({
      model: ANTHROPIC_MODEL,
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });

    let text = '';
    await assert.rejects(async () => {
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      }
    }, /terminated/);
    assert.equal(text, 'one two three');
  });
});

// --- Wire details that the SDKs hide

test('raw HTTP: error shapes, validation and headers match the providers', async () => {
  await withServer(async (server) => {
    const missingMaxTokens = await postJson(`${server.url}/v1/messages`, { model: ANTHROPIC_MODEL, messages: [] });
    assert.equal(missingMaxTokens.status, 400);
    assert.deepEqual(missingMaxTokens.body, {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
    });
    assert.match(missingMaxTokens.headers.get('request-id') ?? '', /^req_/);

    const badOpenai = await postJson(`${server.url}/chat/completions`, { model: OPENAI_MODEL });
    assert.equal(badOpenai.status, 400);
    assert.deepEqual(badOpenai.body, {
      error: { message: "Missing required parameter: 'messages'.", type: 'invalid_request_error', param: null, code: null },
    });
    assert.match(badOpenai.headers.get('x-request-id') ?? '', /^req_/);

    server.enqueue({ text: 'hi' });
    const streamed = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: OPENAI_MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    assert.equal(streamed.headers.get('content-type'), 'text/event-stream');
    assert.match(await streamed.text(), /data: \[DONE\]\n\n$/);

    const unknown = await postJson(`${server.url}/v1/embeddings`, {});
    assert.equal(unknown.status, 404);
    assert.equal(server.requests.length, 4);
  });
});

async function postJson(url: string, body: object): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.headers.get('content-type'), 'application/json');
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function captureError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the request to fail');
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}
