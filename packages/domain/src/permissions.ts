import type { Action } from './authz.js';

/**
 * Viam's permission names (CheckPermissions, `AuthorizedPermissions.permissions`) and the Hangar action
 * each one needs. A name not listed here is never granted.
 */
export const PERMISSIONS: Readonly<Record<string, Action>> = {
  read_organization: 'org.read',
  write_organization: 'org.admin',
  read_organization_members: 'org.read',
  write_organization_members: 'org.admin',
  read_location: 'location.read',
  write_location: 'location.admin',
  read_robot: 'robot.read',
  write_robot: 'robot.write',
  read_robot_config: 'robot.read',
  write_robot_config: 'robot.write',
  read_robot_logs: 'logs.read',
  control_robot: 'robot.operate',
  read_fragment: 'org.read',
  write_fragment: 'org.admin',
  read_api_keys: 'org.admin',
  write_api_keys: 'org.admin',
};
