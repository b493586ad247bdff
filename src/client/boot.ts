import { decodeJwt } from 'jose';

(globalThis as unknown as { x: unknown }).x = decodeJwt;
