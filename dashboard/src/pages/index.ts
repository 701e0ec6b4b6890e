// Registers every page, in navigation order. A new resource page is one import here.
import "./overview.js";
import "./agents.js";
import "./teams.js";
import "./projects.js";
import "./members.js";
import "./invitations.js";
import "./policies.js";
import "./approvals.js";
import "./spend.js";
import "./tools.js";
import "./hosts.js";
import "./sandboxes.js";
import "./guides.js";
import "./credentials.js";
import "./api-keys.js";
import "./audit.js";
import "./orgs.js";
