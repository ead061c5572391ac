# METADATA
# custom:
#   fourc.dev/rules: [ref-resources]
package k8s.resources

import data.lib.k8s as lib
import rego.v1

deny contains msg if {
	some c in lib.containers
	not c.resources.limits.cpu
	msg := sprintf("%s/%s: container %q has no cpu limit", [lib.kind, lib.name, c.name])
}

deny contains msg if {
	some c in lib.containers
	not c.resources.limits.memory
	msg := sprintf("%s/%s: container %q has no memory limit", [lib.kind, lib.name, c.name])
}
