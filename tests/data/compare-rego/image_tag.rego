# METADATA
# custom:
#   fourc.dev/controls: [container.image-signing]
package k8s.image_tag

import data.lib.k8s as lib
import rego.v1

has_tag(image) if {
	parts := split(image, "/")
	contains(parts[count(parts) - 1], ":")
}

deny contains msg if {
	some c in lib.containers
	endswith(c.image, ":latest")
	msg := sprintf("%s/%s: container %q uses the :latest tag (%s)", [lib.kind, lib.name, c.name, c.image])
}

deny contains msg if {
	some c in lib.containers
	not contains(c.image, "@")
	not has_tag(c.image)
	msg := sprintf("%s/%s: container %q image has no tag or digest (%s)", [lib.kind, lib.name, c.name, c.image])
}
