import { memberOrganizationIds, notFound, parseEmail, type Actor, type Organization } from '@hangar/domain';
import { authorizations, organizations, users, type Database } from '@hangar/store';

export function createUsersService({ db }: { readonly db: Database }) {
  return {
    async idByEmail(rawEmail: string): Promise<string> {
      const email = parseEmail(rawEmail);
      const user = await users.findUserByEmail(db, email);
      if (user === undefined) throw notFound('user with email', email);
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
