// Entry point: mounts the app. The public status page and the dashboard share this bundle; the
// router decides which one the path asks for.
import { render } from "preact";
import { App } from "./app.js";
import "./styles.css";

render(<App />, document.getElementById("app")!);
