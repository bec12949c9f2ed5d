//! Services over HTTP (feature `http`): the tickets services behind their
//! generated routers, called through the generated clients.
