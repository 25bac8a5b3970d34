/**
 * Import this first in every command's entry point. On Node.js below 22 the AWS SDK prints, at
 * the first client it creates, a `NodeVersionSupportWarning` saying that its releases after
 * January 2027 will need Node.js 22. Winback pins its SDK versions and its commands support
 * Node.js 20.19 and later (the Lambdas run Node.js 24), so the warning tells an operator nothing
 * they can act on, on every run. The SDK's own switch turns off exactly that warning; every other
 * process warning still prints. An operator who wants it back sets the variable to `false`.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
