# METADATA
# custom:
#   fourc.dev/rules: [ref-host-path]
package k8s.host_path

import data.lib.k8s as lib
import rego.v1

deny contains msg if {
	some v in lib.pod_spec.volumes
	v.hostPath
	msg := sprintf("%s/%s: volume %q mounts hostPath %q", [lib.kind, lib.name, v.name, v.hostPath.path])
}
