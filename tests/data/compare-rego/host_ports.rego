# METADATA
# custom:
#   fourc.dev/rules: [ref-host-ports]
package k8s.host_ports

import data.lib.k8s as lib
import rego.v1

deny contains msg if {
	some c in lib.containers
	some p in c.ports
	p.hostPort
	p.hostPort != 0
	msg := sprintf("%s/%s: container %q uses hostPort %v", [lib.kind, lib.name, c.name, p.hostPort])
}
