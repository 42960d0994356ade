import { Module } from '@nestjs/common';
import { KnownUsers } from './known-users.service.js';
import { WhoamiTools } from './whoami.tools.js';

@Module({ providers: [WhoamiTools, KnownUsers], exports: [KnownUsers] })
export class IdentityModule {}
