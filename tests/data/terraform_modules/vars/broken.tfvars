admin_cidrs = [
