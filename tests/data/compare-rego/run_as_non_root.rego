# METADATA
# custom:
#   fourc.dev/rules: [ref-run-as-non-root]
package k8s.run_as_non_root

import data.lib.k8s as lib
import rego.v1

non_root(c) if c.securityContext.runAsNonRoot == true

non_root(c) if {
	lib.pod_spec.securityContext.runAsNonRoot == true
	not c.securityContext.runAsNonRoot == false
}

deny contains msg if {
	some c in lib.containers
	not non_root(c)
	msg := sprintf("%s/%s: container %q must run with runAsNonRoot=true", [lib.kind, lib.name, c.name])
}
