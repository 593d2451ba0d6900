import { join } from 'node:path';

/** Where `npm start` writes its endpoints so that `npm run keys -- --local` can find them. */
export const LOCAL_STATE_FILE = join(process.cwd(), '.herald', 'local.json');

/** The local stack's endpoints, as written by `npm start`. */
export interface LocalState {
  url: string;
  region: string;
  tableName: string;
  dynamodbEndpoint: string;
  pid: number;
}
