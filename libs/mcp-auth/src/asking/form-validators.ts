import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';

/** How many distinct forms keep their compiled check; past that, the checks start over (forms are few, and made by code). */
const MAX_FORMS = 256;

/**
 * Checks a form's accepted content against the elicitation schema it was asked with. Ajv
 * compiles a schema once per schema *object* and keeps it for good: a method that builds its
 * form inline makes a new object on every call, so compiling by object would cost a compile per
 * answer (hundreds of µs) and keep every copy. Here a check is kept per schema text, at most
 * {@link MAX_FORMS} of them; beyond that the whole Ajv instance (and its cache) is dropped and
 * a new one starts, so memory stays bounded whatever forms the methods build.
 */
export class FormValidators implements jsonSchemaValidator {
  private ajv = new AjvJsonSchemaValidator();
  private readonly checks = new Map<string, JsonSchemaValidator<unknown>>();

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    const text = JSON.stringify(schema);
    let check = this.checks.get(text);
    if (!check) {
      if (this.checks.size >= MAX_FORMS) {
        this.checks.clear();
        this.ajv = new AjvJsonSchemaValidator();
      }
      check = this.ajv.getValidator(JSON.parse(text) as JsonSchemaType);
      this.checks.set(text, check);
    }
    return check as JsonSchemaValidator<T>;
  }
}
