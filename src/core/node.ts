/** The node builds run on. Until agents exist there is one: this server, named as Jenkins names its own. */
export const BUILT_IN_NODE = 'built-in';
