/**
 * bb's layering, checked by `npm test` (test/unit/layering.test.ts runs `depcruise` with this file).
 * A rule broken is a failing test; `npx depcruise src bot-commands executor --config
 * .dependency-cruiser.cjs` says which import broke it.
 *
 *   src/util         small helpers (text, locks, ports): import nothing of bb
 *   src/model        nouns and their shared rules: imports nothing of bb but itself and src/util
 *   src/data         the only code that touches Redis for state (repositories over one Db)
 *   src/queue        BullMQ queues and the job schemas
 *   executor/        sees the model, the job schemas (and their signing) and logging only
 *   bot-commands/    sees the chat API (src/chat/{api,command,kit,…}), the model and src/util only
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Two modules that import each other (directly or through others).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'util-is-a-leaf',
      severity: 'error',
      comment: 'src/util holds small helpers that know nothing of bb.',
      from: { path: '^src/util/' },
      to: { path: '^(src|bot-commands|executor)/', pathNot: '^src/util/' },
    },
    {
      name: 'model-is-the-bottom',
      severity: 'error',
      comment: 'src/model holds the nouns and their rules; it imports no other part of bb (src/util aside).',
      from: { path: '^src/model/' },
      to: { path: '^(src|bot-commands|executor)/', pathNot: '^src/(model|util)/' },
    },
    {
      name: 'only-data-and-queue-import-ioredis',
      severity: 'error',
      comment: 'State lives behind src/data repositories; queues, and the executor process connections (src/queue/executor-conn.ts), behind src/queue.',
      from: { path: '^(src|bot-commands|executor)/', pathNot: '^(src/data/|src/queue/)' },
      to: { path: 'node_modules/ioredis/' },
    },
    {
      name: 'db-handle-stays-in-data',
      severity: 'error',
      comment: 'The Db handle and the key names are for repositories only; everything else goes through Store.',
      from: { path: '^(src|bot-commands|executor)/', pathNot: '^src/data/' },
      to: { path: '^src/data/(db|keys)\\.ts$' },
    },
    {
      name: 'executor-sees-model-jobs-logging',
      severity: 'error',
      comment: 'The executor process runs on other machines: it may use the model, the job and session schemas and their signing, its Redis connections (src/queue/executor-conn.ts) and job list (src/queue/job-list.ts), logging and the version only.',
      from: { path: '^executor/' },
      to: { path: '^src/', pathNot: '^src/(model/|queue/(jobs|signing|session|executor-conn|job-list)\\.ts$|log\\.ts$|version\\.ts$)' },
    },
    {
      name: 'bot-commands-see-the-chat-api',
      severity: 'error',
      comment: 'Chat commands reach the master only through the chat API (BotApi, the command spec, the kit of wording helpers and error types), the model and src/util.',
      from: { path: '^bot-commands/' },
      to: { path: '^src/', pathNot: '^src/(chat/(api|command|kit|identity|transport|router)\\.ts$|model/|util/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    parser: 'swc',
  },
};
