# METADATA
# custom:
#   fourc.dev/rules: [ref-capabilities]
package k8s.capabilities

import data.lib.k8s as lib
import rego.v1

allowed_add := {"NET_BIND_SERVICE"}

deny contains msg if {
	some c in lib.containers
	some cap in c.securityContext.capabilities.add
	not cap in allowed_add
	msg := sprintf("%s/%s: container %q adds capability %s", [lib.kind, lib.name, c.name, cap])
}

# Helper instead of `not "ALL" in c.securityContext.capabilities.drop`: with a missing
# `drop`, OPA v1.20 treats that inline form as undefined (no violation) while regorus
# treats it as true (violation). The helper form means the same thing in both engines.
drops_all(c) if "ALL" in c.securityContext.capabilities.drop

deny contains msg if {
	some c in lib.containers
	not drops_all(c)
	msg := sprintf("%s/%s: container %q must drop ALL capabilities", [lib.kind, lib.name, c.name])
}
