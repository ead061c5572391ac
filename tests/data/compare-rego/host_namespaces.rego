# METADATA
# custom:
#   fourc.dev/rules: [ref-host-namespaces]
package k8s.host_namespaces

import data.lib.k8s as lib
import rego.v1

deny contains msg if {
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	lib.pod_spec[field] == true
	msg := sprintf("%s/%s: %s is not allowed", [lib.kind, lib.name, field])
}
