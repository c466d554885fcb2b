import * as vscode from 'vscode';
import type { SearchQuery } from '../../core/search/types';
import type { Feature } from '../services';
import { compareSearchResult, openSearchResult, searchInSnapshots } from './searchCommand';
import { activeSearchInput } from './searchInput';
import { SearchNode, SearchResultsProvider } from './searchResults';

/** Search in snapshots: the query input and the streaming Search results view. */
export function registerSearch(): Feature & { searchResults: SearchResultsProvider; searchInput(): vscode.InputBox | undefined } {
  const searchResults = new SearchResultsProvider();
  const searchView = vscode.window.createTreeView('rsyncSnapshots.searchResults', { treeDataProvider: searchResults, showCollapseAll: true });
  return {
    searchResults,
    searchInput: () => activeSearchInput.box,
    disposables: [searchResults, searchView],
    commands: [
      { id: 'rsyncSnapshots.searchInSnapshots', run: (query?: unknown) => searchInSnapshots(searchResults, isQuery(query) ? query : undefined) },
      { id: 'rsyncSnapshots.openSearchResult', run: (node?: SearchNode) => openSearchResult(searchResults, node) },
      { id: 'rsyncSnapshots.compareSearchResult', run: (node?: SearchNode) => compareSearchResult(searchResults, node) },
      { id: 'rsyncSnapshots.clearSearchResults', run: () => searchResults.clear() },
    ],
  };
}

/** A query passed to the search command (a keybinding's args, the tests): else it asks. */
function isQuery(arg: unknown): arg is SearchQuery {
  return typeof arg === 'object' && arg !== null && typeof (arg as SearchQuery).pattern === 'string';
}
