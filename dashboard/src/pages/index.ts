// Registers every page, in navigation order. A new resource page is one import here.
import "./overview.js";
import "./agents.js";
import "./teams.js";
import "./projects.js";
import "./members.js";
import "./hosts.js";
import "./credentials.js";
import "./api-keys.js";
import "./audit.js";
import "./orgs.js";
