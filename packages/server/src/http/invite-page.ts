/**
 * GET /invite: where an invitation's link leads until Hangar has a web app. It says how to accept with the
 * CLI; it never reads the token in the link (a page must not be a way to test tokens).
 */
export function invitePage(serverUrl: string): string {
  return [
    'You have an invitation to an organization on this Hangar server.',
    '',
    'To accept it, run the command from the invitation mail with the hangar command-line tool:',
    `  hangar invite accept --server ${serverUrl} <token>`,
    '',
    'The token is the last part of the link you followed (after "token="). Without an account yet, the',
    'command creates one for the invited email and asks for a password.',
    '',
  ].join('\n');
}
