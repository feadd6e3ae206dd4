import { Ajv, type Options } from 'ajv';
import formatsPlugin from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const common: Options = {
  allErrors: true,
  // Unknown fields are an error (the schemas say additionalProperties: false), not silently dropped.
  removeAdditional: false,
  useDefaults: true,
  strict: false,
};

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ ...common, ...options });
  // ajv-formats is CommonJS: under NodeNext its callable is the default export's default.
  const addFormats = (formatsPlugin as unknown as { default: typeof formatsPlugin.default }).default;
  addFormats(ajv);
  return ajv;
}

// Bodies are JSON and must carry the right types; query strings and path params are text and get coerced.
const bodyAjv = makeAjv({ coerceTypes: false });
const textAjv = makeAjv({ coerceTypes: 'array' });

const emailFormat = bodyAjv.compile({ type: 'string', format: 'email' });
/** The `email` format every schema of the API checks, for a service that checks an address itself. */
export const isEmailAddress = (text: string): boolean => emailFormat(text) === true;

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object);
