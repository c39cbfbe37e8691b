import { memberOrganizationIds, notFound, parseEmail, type Actor, type Organization } from '@hangar/domain';
import { authorizations, organizations, users, type Database } from '@hangar/store';

export function createUsersService({ db }: { readonly db: Database }) {
  return {
    /**
     * Only users who share an organization with the caller (and the caller itself) can be found; anyone
     * else answers exactly as an unknown email does, so the call cannot probe who has an account.
     */
    async idByEmail(actor: Actor, rawEmail: string): Promise<string> {
      const email = parseEmail(rawEmail);
      const user = await users.findUserByEmail(db, email);
      if (user === undefined) throw notFound('user with email', email);
      if (user.id === actor.id) return user.id;
      const theirs = await authorizations.listOrganizationIdsOfIdentity(db, user.id);
      const mine = memberOrganizationIds(actor);
      if (!theirs.some((id) => mine.includes(id))) throw notFound('user with email', email);
      return user.id;
    },

    /**
     * The organizations a user belongs to. Callers see all of their own; of another user's, only those they
     * share with them, so the call reveals nothing the caller could not already see.
     */
    async organizationsOf(actor: Actor, userId: string): Promise<Organization[]> {
      const theirs = await authorizations.listOrganizationIdsOfIdentity(db, userId);
      const visible = actor.id === userId ? theirs : theirs.filter((id) => memberOrganizationIds(actor).includes(id));
      return organizations.listOrganizations(db, visible);
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
