import { InitialSchema1763769600000 } from './1763769600000-InitialSchema';
import { SlaMonitoring1763856000000 } from './1763856000000-SlaMonitoring';
import { SessionRevocation1795910400000 } from './1795910400000-SessionRevocation';

/** Every migration, in order. Listed rather than globbed so that the built app and the tests load the same set. */
export const MIGRATIONS = [InitialSchema1763769600000, SlaMonitoring1763856000000, SessionRevocation1795910400000];
