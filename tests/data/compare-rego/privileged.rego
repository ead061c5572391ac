# METADATA
# custom:
#   fourc.dev/rules: [ref-privileged]
package k8s.privileged

import data.lib.k8s as lib
import rego.v1

deny contains msg if {
	some c in lib.containers
	c.securityContext.privileged == true
	msg := sprintf("%s/%s: container %q is privileged", [lib.kind, lib.name, c.name])
}
