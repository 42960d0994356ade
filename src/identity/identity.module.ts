import { Module } from '@nestjs/common';
import { WhoamiTools } from './whoami.tools.js';

@Module({ providers: [WhoamiTools] })
export class IdentityModule {}
