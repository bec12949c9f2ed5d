//! [`Server`]: a router served in this process on 127.0.0.1 (an ephemeral
//! port) until dropped, for the tests that call services over HTTP.

use goesgen::http::Router;
use tokio::sync::oneshot;

/// A router served on 127.0.0.1 (an ephemeral port) until dropped.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    stop: Option<oneshot::Sender<()>>,
}

impl Server {
    /// Serves `router`.
    pub async fn start(router: Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(goesgen::http::serve(listener, router, async move {
            let _ = stopped.await;
        }));
        Self {
            url,
            stop: Some(stop),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
