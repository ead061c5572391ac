# METADATA
# custom:
#   fourc.dev/rules: [ref-seccomp]
package k8s.seccomp

import data.lib.k8s as lib
import rego.v1

allowed := {"RuntimeDefault", "Localhost"}

ok(c) if c.securityContext.seccompProfile.type in allowed

ok(c) if {
	not c.securityContext.seccompProfile
	lib.pod_spec.securityContext.seccompProfile.type in allowed
}

deny contains msg if {
	some c in lib.containers
	not ok(c)
	msg := sprintf("%s/%s: container %q must use seccompProfile RuntimeDefault or Localhost", [lib.kind, lib.name, c.name])
}
