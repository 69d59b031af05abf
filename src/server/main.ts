// Placeholder replaced by the collaboration-server issue.
