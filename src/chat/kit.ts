/**
 * What chat commands (bot-commands/) may use beside the BotApi and the command spec: the wording
 * helpers and the error types of the parts they talk to. The layering check
 * (.dependency-cruiser.cjs) lets bot-commands import only the chat API, this kit and the model,
 * so anything new a command needs is added here, on purpose.
 */
export { ActionError } from '../actions/error.js';
export type { Speaker } from '../actions/action.js';
export { speakerOf } from './speaker.js';
export { NOTIFY_EVENTS, type NotifyEvent } from '../config/schema.js';
export { stepLogUrl } from '../notify/news.js';
export { formatTarget } from './target.js';
export { details, historyLines, oneLine, short, testPage } from '../problems/describe.js';
export { headline } from '../problems/subject-text.js';
export { audienceOf, describeAudience, type Audience } from '../notify/audience.js';
export type { Watch } from '../notify/watches.js';
export { authorName, describeBuild, describeLast } from '../status/status.js';
export { fullTierLines, packageLines, showRev, tierSummary, waitingLine, type BuilderHealth } from '../tiers/index.js';
export { UserControlError } from '../users/control.js';
export { maskEmail } from '../users/email.js';
export {
  checkTimeZone,
  clockIn,
  describeQuietHours,
  describeTimeZone,
  formatQuietHours,
  parseQuietSetting,
  parseSettingPairs,
  SettingError,
  type SettingDefaults,
  type SettingsChange,
} from '../users/settings.js';
