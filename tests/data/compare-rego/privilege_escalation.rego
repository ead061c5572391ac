# METADATA
# custom:
#   fourc.dev/rules: [ref-privilege-escalation]
package k8s.privilege_escalation

import data.lib.k8s as lib
import rego.v1

# PSS restricted: allowPrivilegeEscalation must be explicitly false
deny contains msg if {
	some c in lib.containers
	not c.securityContext.allowPrivilegeEscalation == false
	msg := sprintf("%s/%s: container %q must set securityContext.allowPrivilegeEscalation=false", [lib.kind, lib.name, c.name])
}
