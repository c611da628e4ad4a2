export const id = 426;
export const ids = [426];
export const modules = {

/***/ 5426:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.run = run;
/**
 * `credential_process` for refresh-credentials with OIDC: the AWS CLI and SDKs run
 * `node dist/index.js credential-process <config>` whenever the profile's credentials are about to
 * expire; it fetches a fresh GitHub ID token and assumes the role again.
 *
 * Its stdout belongs to the credential_process protocol (one JSON document). It is no workflow
 * step, and the AWS CLI and SDKs embed its stderr in their own errors: so no workflow commands at
 * all (not even ::add-mask::), and stderr gets only neutralised, redacted human-readable lines.
 */
const promises_1 = __webpack_require__(1455);
const http_agents_js_1 = __webpack_require__(6774);
const retry_js_1 = __webpack_require__(9809);
const runner_js_1 = __webpack_require__(4813);
const secrets_js_1 = __webpack_require__(7194);
const github_oidc_js_1 = __webpack_require__(9837);
const sts_js_1 = __webpack_require__(7403);
const ATTEMPT_TIMEOUT_MS = 10_000;
async function run(args) {
    (0, runner_js_1.disableWorkflowCommands)();
    const write = process.stdout.write.bind(process.stdout);
    // Anything else that would print to stdout (a library) goes to stderr instead.
    process.stdout.write = process.stderr.write.bind(process.stderr);
    try {
        const [configFile] = args;
        if (!configFile)
            throw new Error('usage: index.js credential-process <config file>');
        const config = JSON.parse(await (0, promises_1.readFile)(configFile, 'utf8'));
        // A runner may keep passing fresh request variables to run: steps; prefer them when present.
        const requestUrl = process.env.ACTIONS_ID_TOKEN_REQUEST_URL || config.requestUrl;
        const requestToken = process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN || config.requestToken;
        const log = (line) => (0, runner_js_1.info)((0, secrets_js_1.redact)(line));
        const signal = AbortSignal.timeout(ATTEMPT_TIMEOUT_MS * 3);
        const agents = (0, http_agents_js_1.proxyAgents)(config.proxy ?? { fromInput: false });
        const token = await (0, github_oidc_js_1.fetchIdToken)({ requestUrl, requestToken, audience: config.audience }, new retry_js_1.TransientOnlyRetry(config.maxAttempts, 'ID token request', log), ATTEMPT_TIMEOUT_MS, signal, agents);
        const client = (0, sts_js_1.createStsClient)({ region: config.region, stsEndpoint: config.stsEndpoint }, undefined, new retry_js_1.TransientOnlyRetry(config.maxAttempts, 'AssumeRoleWithWebIdentity', log), ATTEMPT_TIMEOUT_MS, agents);
        const session = await (0, sts_js_1.assumeRoleWithWebIdentity)(client, config.roleArn, {
            role: { bareName: config.roleArn },
            sessionName: config.sessionName,
            durationSeconds: config.durationSeconds,
            tags: [],
            transitiveTagKeys: [],
            inlinePolicy: config.inlinePolicy,
            managedPolicies: config.managedPolicies ?? []
        }, token, signal);
        write(JSON.stringify({
            Version: 1,
            AccessKeyId: session.credentials.accessKeyId,
            SecretAccessKey: session.credentials.secretAccessKey,
            SessionToken: session.credentials.sessionToken,
            Expiration: session.credentials.expiration?.toISOString()
        }) + '\n');
    }
    catch (error) {
        (0, runner_js_1.info)(`credential_process failed: ${(0, secrets_js_1.redact)(error instanceof Error ? `${error.name}: ${error.message}` : String(error))}`);
        process.exitCode = 1;
    }
}


/***/ })

};
