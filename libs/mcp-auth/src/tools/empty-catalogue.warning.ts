import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { ToolCatalogue } from './tool-catalogue.js';

/** What the startup warning says when discovery found nothing to serve. */
export const EMPTY_CATALOGUE_WARNING =
  'McpAuthModule discovered no tools, resources or prompts, so the MCP server has nothing to offer. ' +
  'Each class that declares them needs @McpProvider() (or @McpToolProvider()) and must be listed in the `providers` ' +
  'of a module the application imports; its methods need @McpTool(), @McpResource() or @McpPrompt().';

/**
 * Says so at startup when the catalogue is empty. A provider class that was never listed in a module's
 * `providers`, or lacks `@McpProvider()`, is simply not discovered: without this, the server starts
 * normally and every client sees empty lists.
 */
@Injectable()
export class EmptyCatalogueWarning implements OnApplicationBootstrap {
  private readonly logger = new Logger('McpAuth');

  constructor(private readonly catalogue: ToolCatalogue) {}

  onApplicationBootstrap(): void {
    const isEmpty =
      this.catalogue.size === 0 &&
      this.catalogue.resources().next().done === true &&
      this.catalogue.resourceTemplates().length === 0 &&
      this.catalogue.prompts().next().done === true;
    if (isEmpty) this.logger.warn(EMPTY_CATALOGUE_WARNING);
  }
}
