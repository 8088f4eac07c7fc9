export function App() {
  return <h1>MMP console</h1>;
}
