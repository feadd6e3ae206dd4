import type { InvalidParam, Problem } from '@datasync/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { connectionErrorSummary, isConnectionError } from '../db/errors.js';
import { domainProblem } from './domain-errors.js';
import {
  DATABASE_RETRY_AFTER_SECONDS,
  databaseUnavailable,
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  problemType,
} from './problem.js';
import { escapePointer } from '../lib/json.js';
import type { UiFallback } from './web-ui.js';

type AjvError = NonNullable<FastifyError['validation']>[number];
type RequestPart = InvalidParam['in'];

/** JSON Pointer of the field an Ajv error is about (the missing or unknown property itself, not its parent). */
function pointerOf(error: AjvError): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const child = params.missingProperty ?? params.additionalProperty;
  const escaped = child === undefined ? undefined : escapePointer(child);
  return escaped === undefined ? error.instancePath : `${error.instancePath}/${escaped}`;
}

function messageOf(error: AjvError): string {
  if (error.keyword === 'additionalProperties') return 'is not a known field';
  if (error.keyword === 'required') return 'is required';
  return error.message ?? 'is invalid';
}

/**
 * A value outside a union of literals (TypeBox's enums: `status=bogus`) fails once per option (`const`) and once
 * for the union (`anyOf`): one entry for the field, listing the values it accepts, says it better than four.
 */
function collapseEnums(errors: AjvError[]): InvalidParam[] {
  const options = new Map<AjvError, AjvError[]>();
  for (const union of errors.filter((error) => error.keyword === 'anyOf')) {
    const failed = errors.filter(
      (error) =>
        error !== union &&
        error.instancePath === union.instancePath &&
        error.schemaPath.startsWith(`${union.schemaPath}/`),
    );
    if (failed.length > 0 && failed.every((error) => error.keyword === 'const')) options.set(union, failed);
  }
  const folded = new Set([...options.values()].flat());
  return errors
    .filter((error) => !folded.has(error))
    .map((error) => {
      const allowed = options.get(error)?.map((option) => JSON.stringify(option.params.allowedValue));
      return {
        in: 'body',
        pointer: pointerOf(error),
        message: allowed ? `must be one of ${allowed.join(', ')}` : messageOf(error),
      };
    });
}

export function validationProblem(part: RequestPart, errors: AjvError[]): Problem {
  return new HttpProblem(
    400,
    'validation-error',
    `The request ${part} is invalid.`,
    collapseEnums(errors).map((error) => ({ ...error, in: part })),
  ).toProblem();
}

const FRAMEWORK_TYPES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed-body',
};

/** Framework errors about the path itself; no route (so no parameter name) is known when they happen. */
const PATH_ERRORS: Record<string, string> = {
  FST_ERR_BAD_URL: 'is not valid percent-encoded UTF-8',
  FST_ERR_MAX_PARAM_LENGTH: 'has a segment longer than 100 characters',
};

function toProblem(error: FastifyError, request: FastifyRequest): Problem {
  const known = error instanceof HttpProblem ? error : domainProblem(error);
  if (known) return known.toProblem();
  if (isConnectionError(error)) return databaseUnavailable().toProblem();
  if (error.validation) {
    return validationProblem((error.validationContext ?? 'body') as RequestPart, error.validation);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const name =
      FRAMEWORK_TYPES[error.code] ??
      (error instanceof SyntaxError ? 'malformed-body' : status === 429 ? 'rate-limited' : 'bad-request');
    const pathError = PATH_ERRORS[error.code];
    return {
      type: problemType(name),
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail: error.message,
      ...(pathError
        ? { errors: [{ in: 'params' as const, pointer: '', message: `the path ${pathError}` }] }
        : {}),
    };
  }
  // Never leak internals: the detail is generic and the request id lets an operator find the logged error.
  return {
    type: problemType('internal-error'),
    title: STATUS_CODES[500] ?? 'Internal Server Error',
    status: 500,
    detail: 'An unexpected error occurred. It has been logged.',
    instance: `urn:datasync:request:${request.id}`,
  };
}

function sendProblem(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const problem = toProblem(error, request);
  if (problem.type === problemType('database-unavailable')) {
    // The error itself may carry the failed query and its parameters (Drizzle puts them in its message).
    request.log.warn({ database: connectionErrorSummary(error) }, 'database unreachable: answered 503');
    reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
  } else if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
  return reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a path that is not valid percent-encoded UTF-8,
 * such as `%FF`, or a path segment over `maxParamLength`) bypass the error handler and would get Fastify's own
 * `application/json` body; the bad-input fuzzing (test/bad-input.int.test.ts) sends both.
 */
export const frameworkErrors = sendProblem;

/**
 * Every error on the wire is RFC 9457 problem+json: handler errors, validation, framework errors and 404s.
 * `ui` first gets a chance at requests no route matched (the admin UI's pages and files, never /api).
 */
export function registerProblemHandlers(app: FastifyInstance, ui?: UiFallback): void {
  app.setErrorHandler(sendProblem);
  app.setNotFoundHandler((request, reply) =>
    ui?.(request, reply)
      ? reply
      : reply
          .status(404)
          .type(PROBLEM_CONTENT_TYPE)
          .send(new HttpProblem(404, 'not-found', `No route ${request.method} ${request.url}.`).toProblem()),
  );
}
