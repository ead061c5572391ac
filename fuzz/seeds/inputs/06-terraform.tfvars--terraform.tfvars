# Someone opened SSH to debug a node.
ssh_cidrs = ["0.0.0.0/0"]
