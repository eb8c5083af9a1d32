"""What the web app's author studio needs beyond the author API (issue 17): a sign as its author sees it, the
check of what is missing before publishing, and bundles as one archive over HTTP."""
