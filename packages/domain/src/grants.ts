import { RESOURCE_TYPES, ROLES, type Grant, type ResourceType, type Role } from './authz.js';
import { invalid } from './errors.js';
import { parseEnum, parseId, truncate } from './validate.js';

/** viam.app.v1.Authorization as clients send it (identity fields aside). */
export interface AuthorizationInput {
  readonly authorizationType: string;
  readonly authorizationId: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly organizationId: string;
}

/** Viam spells a role on the wire as `<resource_type>_<role>`, e.g. `location_operator`. */
export function authorizationIdOf(grant: Pick<Grant, 'resourceType' | 'role'>): string {
  return `${grant.resourceType}_${grant.role}`;
}

export function parseAuthorization(input: AuthorizationInput, field: string): Grant {
  if (input.authorizationType !== '' && input.authorizationType !== 'role') {
    throw invalid(`${field}.authorization_type must be "role", got ${JSON.stringify(truncate(input.authorizationType))}`);
  }
  const resourceType = parseEnum<ResourceType>(`${field}.resource_type`, input.resourceType, RESOURCE_TYPES);
  const match = /^(organization|location|robot)_(owner|operator)$/.exec(input.authorizationId);
  if (match === null) {
    throw invalid(
      `${field}.authorization_id must be "<resource_type>_<role>" with a role of ${ROLES.map((r) => JSON.stringify(r)).join(' or ')}, e.g. "${resourceType}_owner"; got ${JSON.stringify(truncate(input.authorizationId))}`,
    );
  }
  if (match[1] !== resourceType) {
    throw invalid(
      `${field}.authorization_id ${JSON.stringify(input.authorizationId)} does not match resource_type ${JSON.stringify(resourceType)}`,
    );
  }
  const organizationId = parseId(`${field}.organization_id`, input.organizationId);
  const resourceId = parseId(`${field}.resource_id`, input.resourceId);
  if (resourceType === 'organization' && resourceId !== organizationId) {
    throw invalid(`${field}: an organization role's resource_id must equal its organization_id`);
  }
  return { organizationId, role: match[2] as Role, resourceType, resourceId };
}
