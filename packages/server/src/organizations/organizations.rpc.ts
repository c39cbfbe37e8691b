import type { AppHandlers } from '../rpc/routes.js';
import { organizationToProto, parseOrganizationUpdate } from './organizations.convert.js';
import type { OrganizationsService } from './organizations.service.js';

export const organizationsRpc = (organizations: OrganizationsService): AppHandlers => ({
  async createOrganization(req, { actor }) {
    return { organization: organizationToProto(await organizations.create(actor, req.name)) };
  },
  async listOrganizations(_req, { actor }) {
    return { organizations: (await organizations.list(actor)).map(organizationToProto) };
  },
  async getOrganization(req) {
    return { organization: organizationToProto(await organizations.get(req.organizationId)) };
  },
  async getOrganizationNamespaceAvailability(req) {
    return { available: await organizations.isNamespaceAvailable(req.publicNamespace) };
  },
  async updateOrganization(req) {
    return { organization: organizationToProto(await organizations.update(req.organizationId, parseOrganizationUpdate(req))) };
  },
  async deleteOrganization(req, { actor }) {
    await organizations.delete(actor, req.organizationId);
    return {};
  },
});
